// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ByteRingTest {
  private static byte[] take(ByteRing r, int n) {
    byte[] b = new byte[n];
    assertEquals(n, r.poll(b, 0, n));
    return b;
  }

  @Test
  void offerStopsAtCapacity() {
    ByteRing r = new ByteRing(4);
    assertEquals(4, r.offer(new byte[] {1, 2, 3, 4, 5, 6}, 0, 6));
    assertEquals(0, r.free());
    assertArrayEquals(new byte[] {1, 2, 3, 4}, take(r, 4));
  }

  @Test
  void bytesComeOutInOrderAcrossTheWrap() {
    ByteRing r = new ByteRing(4);
    r.offer(new byte[] {1, 2, 3}, 0, 3);
    take(r, 2);
    r.offer(new byte[] {4, 5, 6}, 0, 3);
    assertArrayEquals(new byte[] {3, 4, 5, 6}, take(r, 4));
  }

  @Test
  void overwriteKeepsTheNewestBytesAndCountsTheRest() {
    ByteRing r = new ByteRing(4);
    r.overwrite(new byte[] {1, 2, 3}, 0, 3);
    r.overwrite(new byte[] {4, 5}, 0, 2);
    assertEquals(1, r.dropped());
    assertArrayEquals(new byte[] {2, 3, 4, 5}, take(r, 4));
    r.overwrite(new byte[] {1, 2, 3, 4, 5, 6, 7}, 0, 7);
    assertEquals(4, r.dropped());
    assertArrayEquals(new byte[] {4, 5, 6, 7}, take(r, 4));
  }
}
