// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vhostdevice.vhostuser.protocol.Rejections.assertRejected;
import static org.vhostdevice.vhostuser.protocol.Rejections.withU32;

import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** The config space checks of core.md §1.8. */
class ConfigPayloadValidationTest {
  private static byte[] config(int offset, int size, int flags) {
    return new ConfigSpace(offset, size, flags, new byte[size]).encode();
  }

  @Test
  void rejectsUnknownFlags() throws NativeException {
    assertRejected(ConfigSpace::decode, FrontendRequest.SET_CONFIG, config(0, 4, 0x4), 0);
  }

  @Test
  void acceptsBothKnownFlags() throws ProtocolException {
    int flags = ConfigSpace.FLAG_WRITABLE | ConfigSpace.FLAG_LIVE_MIGRATION;
    Message m = new Message(FrontendRequest.SET_CONFIG.code(), 1, config(0, 4, flags), null);
    assertEquals(flags, ConfigSpace.decode(m).flags());
  }

  @Test
  void rejectsZeroSize() throws NativeException {
    assertRejected(ConfigSpace::decode, FrontendRequest.GET_CONFIG, config(0, 0, 0), 0);
  }

  @Test
  void rejectsWindowEndingBeyond4096() throws NativeException {
    assertRejected(ConfigSpace::decode, FrontendRequest.GET_CONFIG, config(4093, 4, 0), 0);
  }

  @Test
  void acceptsWindowEndingAt4096() throws ProtocolException {
    Message m = new Message(FrontendRequest.GET_CONFIG.code(), 1, config(4092, 4, 0), null);
    assertEquals(4092, ConfigSpace.decode(m).offset());
  }

  @Test
  void rejectsOffsetThatOverflows() throws NativeException {
    assertRejected(ConfigSpace::decode, FrontendRequest.GET_CONFIG,
        withU32(config(0, 4, 0), ConfigSpace.OFFSET_OFFSET, -2), 0);
  }

  @Test
  void rejectsSizeLargerThanTheData() throws NativeException {
    assertRejected(ConfigSpace::decode, FrontendRequest.SET_CONFIG,
        withU32(config(0, 4, 0), ConfigSpace.SIZE_OFFSET, 5), 0);
  }

  @Test
  void rejectsSizeSmallerThanTheData() throws NativeException {
    assertRejected(ConfigSpace::decode, FrontendRequest.SET_CONFIG,
        withU32(config(0, 4, 0), ConfigSpace.SIZE_OFFSET, 3), 0);
  }

  @Test
  void rejectsPayloadShorterThanTheConfigHeader() throws NativeException {
    assertRejected(ConfigSpace::decode, FrontendRequest.GET_CONFIG, new byte[8], 0);
  }
}
