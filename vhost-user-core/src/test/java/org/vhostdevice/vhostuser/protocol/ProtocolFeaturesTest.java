// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProtocolFeaturesTest {
  @Test
  void bitsHaveTheirSpecMasks() {
    assertEquals(0x8, ProtocolFeatures.REPLY_ACK);
    assertEquals(0x20, ProtocolFeatures.BACKEND_REQ);
    assertEquals(0x200, ProtocolFeatures.CONFIG);
    assertEquals(0x2000, ProtocolFeatures.RESET_DEVICE);
    assertEquals(0x8000, ProtocolFeatures.CONFIGURE_MEM_SLOTS);
    assertEquals(0x8_0000, ProtocolFeatures.DEVICE_STATE);
  }

  @Test
  void describeNamesEachSetBitInOrder() {
    assertEquals("MQ|REPLY_ACK|CONFIG|RESET_DEVICE|CONFIGURE_MEM_SLOTS",
        ProtocolFeatures.describe(0xA209));
  }

  @Test
  void describeNumbersUnknownBits() {
    assertEquals("DEVICE_STATE|bit21|bit63", ProtocolFeatures.describe((1L << 19) | (1L << 21)
        | (1L << 63)));
  }

  @Test
  void describeZeroIsNone() {
    assertEquals("none", ProtocolFeatures.describe(0));
  }
}
