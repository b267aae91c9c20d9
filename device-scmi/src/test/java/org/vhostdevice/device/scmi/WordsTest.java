// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Message encoding: words little-endian, names as 16-byte NUL-padded fields. */
class WordsTest {
  @Test
  void responseBytesMatchTheRustEncoding() {
    Words w = new Words(16);
    w.add(1_000_000);
    w.add(ScmiStatus.SUCCESS);
    w.add(-2);
    w.add(800_000_000);
    w.addName(Words.packName("foo"));
    byte[] expected = {
      0x40, 0x42, 0x0F, 0x00, // header
      0x00, 0x00, 0x00, 0x00, // SUCCESS
      (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, // -2
      0x00, 0x08, (byte) 0xAF, 0x2F, // 800 000 000
      0x66, 0x6F, 0x6F, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 // "foo" + NULs
    };
    assertArrayEquals(expected, w.toBytes());
  }

  @Test
  void commsErrorIsFFFFFFF9() {
    Words w = new Words(4);
    w.add(1_000_000);
    w.add(ScmiStatus.COMMS_ERROR);
    assertArrayEquals(new byte[] {0x40, 0x42, 0x0F, 0x00, (byte) 0xF9, (byte) 0xFF, (byte) 0xFF,
        (byte) 0xFF}, w.toBytes());
  }

  @Test
  void longNamesAreCutTo15BytesKeepingTheNul() {
    Words w = new Words(4);
    w.addName(Words.packName("name-longer-than-fifteen"));
    byte[] b = w.toBytes();
    assertEquals("name-longer-tha", new String(b, 0, 15, StandardCharsets.US_ASCII));
    assertEquals(0, b[15]);
  }

  @Test
  void cuttingNeverSplitsAUtf8Character() {
    // 14 ASCII bytes then a 2-byte character: it does not fit into 15 and is left out whole.
    byte[] cut = Words.truncateUtf8("abcdefghijklmn\u00e9", 15);
    assertEquals("abcdefghijklmn", new String(cut, StandardCharsets.UTF_8));
  }

  @Test
  void addRefusesWordsBeyondCapacity() {
    Words w = new Words(1);
    w.add(1);
    assertFalse(w.add(2));
    assertFalse(w.addName(Words.packName("x")));
    assertEquals(1, w.size());
  }

  @Test
  void longsAreLowWordFirst() {
    Words w = new Words(2);
    w.addLong(0xA_7C6A_A81EL);
    assertEquals(0x7C6AA81E, w.get(0));
    assertEquals(0xA, w.get(1));
  }
}
