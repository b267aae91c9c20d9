// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The made-up EDID: a valid 1.4 base block whose preferred mode is the one asked for. */
class EdidTest {
  static int preferredWidth(byte[] e) {
    return (e[56] & 0xFF) | (e[58] & 0xF0) << 4;
  }

  static int preferredHeight(byte[] e) {
    return (e[59] & 0xFF) | (e[61] & 0xF0) << 4;
  }

  @Test
  void hasTheHeaderVersionAndAValidChecksum() {
    byte[] e = Edid.forMode(1280, 800);
    assertEquals(128, e.length);
    assertArrayEquals(new byte[] {0, -1, -1, -1, -1, -1, -1, 0}, java.util.Arrays.copyOf(e, 8));
    assertEquals(1, e[18]);
    assertEquals(4, e[19]);
    int sum = 0;
    for (byte b : e) {
      sum += b & 0xFF;
    }
    assertEquals(0, sum % 256);
  }

  @Test
  void thePreferredModeIsTheRequestedOne() {
    byte[] e = Edid.forMode(1920, 1080);
    assertEquals(1920, preferredWidth(e));
    assertEquals(1080, preferredHeight(e));
    int clock10k = (e[54] & 0xFF) | (e[55] & 0xFF) << 8;
    assertTrue(clock10k > 10_000 && clock10k < 20_000, "about 138 MHz: " + clock10k);
  }

  @Test
  void namesTheMonitor() {
    byte[] e = Edid.forMode(640, 480);
    assertEquals((byte) 0xFC, e[75]);
    assertEquals("vhost-gpu", new String(e, 77, 9, java.nio.charset.StandardCharsets.US_ASCII));
  }

  @Test
  void oversizedModesAreClampedToWhatEdidCanSay() {
    byte[] e = Edid.forMode(10_000, 5000);
    assertEquals(4095, preferredWidth(e));
    assertEquals(4095, preferredHeight(e));
  }
}
