// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The test stream matches the guest helper's (values computed with tools/guest vt.c). */
class StreamTest {
  @Test
  void theStreamDoesNotDependOnHowItIsCut() {
    byte[] whole = new byte[64];
    new Stream(7).fill(whole, 0, 64);
    byte[] cut = new byte[64];
    Stream s = new Stream(7);
    s.fill(cut, 0, 5);
    s.fill(cut, 5, 59);
    assertArrayEquals(whole, cut);
  }

  @Test
  void fnvOfNothingIsTheOffsetBasis() {
    assertEquals("cbf29ce484222325", Stream.hex(Stream.fnv(Stream.FNV_START, new byte[0], 0, 0)));
  }

  @Test
  void fnvOfAIsTheReferenceValue() {
    assertEquals("af63dc4c8601ec8c", Stream.hex(Stream.fnv(Stream.FNV_START, new byte[] {'a'}, 0, 1)));
  }

  @Test
  void oneMebibyteOfSeed1MatchesTheGuestHelper() {
    byte[] b = new byte[1 << 20];
    new Stream(1).fill(b, 0, b.length);
    assertEquals("8a70ceca7256211c", Stream.hex(Stream.fnv(Stream.FNV_START, b, 0, b.length)));
  }
}
