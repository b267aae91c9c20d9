// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An SCMI message under construction: every SCMI field is a little-endian 32-bit word (strings
 * are 16-byte fields, i.e. four words), so a message is an array of words. Preallocated once per
 * session and reused for every request: serving a command allocates nothing.
 */
final class Words {
  /** SCMI "short name" fields: 16 bytes including the terminating NUL. */
  static final int NAME_BYTES = 16;
  static final int NAME_WORDS = NAME_BYTES / 4;

  private final int[] words;
  private int count;

  Words(int capacity) {
    this.words = new int[capacity];
  }

  int capacity() {
    return words.length;
  }

  void clear() {
    count = 0;
  }

  int size() {
    return count;
  }

  int byteSize() {
    return count * 4;
  }

  /** Drops everything after the first {@code n} words (undoing a partly built answer). */
  void truncate(int n) {
    count = Math.min(count, n);
  }

  int get(int i) {
    return words[i];
  }

  void set(int i, int value) {
    words[i] = value;
  }

  /** Appends one word; false (and nothing appended) if the message would not fit. */
  boolean add(int value) {
    if (count == words.length) {
      return false;
    }
    words[count++] = value;
    return true;
  }

  /** Appends the words of a signed 64-bit value: low word, then high word. */
  boolean addLong(long value) {
    return add((int) value) && add((int) (value >>> 32));
  }

  /** Appends a 16-byte name field (see {@link #packName}). */
  boolean addName(int[] packed) {
    if (count + NAME_WORDS > words.length) {
      return false;
    }
    System.arraycopy(packed, 0, words, count, NAME_WORDS);
    count += NAME_WORDS;
    return true;
  }

  /**
   * Packs {@code name} as an SCMI 16-byte NUL-padded field. The Rust daemon panics on names of
   * 16 bytes or more; here the UTF-8 bytes are cut at 15 (at a character boundary) so there is
   * always a terminating NUL.
   */
  static int[] packName(String name) {
    byte[] utf8 = truncateUtf8(name, NAME_BYTES - 1);
    byte[] field = Arrays.copyOf(utf8, NAME_BYTES);
    int[] packed = new int[NAME_WORDS];
    for (int i = 0; i < NAME_WORDS; i++) {
      packed[i] = (field[4 * i] & 0xFF)
          | (field[4 * i + 1] & 0xFF) << 8
          | (field[4 * i + 2] & 0xFF) << 16
          | (field[4 * i + 3] & 0xFF) << 24;
    }
    return packed;
  }

  /** The longest prefix of {@code s} whose UTF-8 encoding has at most {@code max} bytes. */
  static byte[] truncateUtf8(String s, int max) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= max) {
      return utf8;
    }
    int end = max;
    // Step back over continuation bytes (10xxxxxx) so no character is cut in half.
    while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
      end--;
    }
    return Arrays.copyOf(utf8, end);
  }

  /** The message as little-endian bytes (for tests and logs; the device writes words directly). */
  byte[] toBytes() {
    byte[] out = new byte[count * 4];
    for (int i = 0; i < count; i++) {
      int w = words[i];
      out[4 * i] = (byte) w;
      out[4 * i + 1] = (byte) (w >>> 8);
      out[4 * i + 2] = (byte) (w >>> 16);
      out[4 * i + 3] = (byte) (w >>> 24);
    }
    return out;
  }
}
