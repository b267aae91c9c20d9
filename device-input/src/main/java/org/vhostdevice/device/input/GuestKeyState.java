// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Which keys the guest was last told are down, and which of them are owed a release because
 * the real release was lost (a full queue, the kernel's SYN_DROPPED). A lost release leaves a
 * key stuck down in the guest, auto-repeating; a lost press does no harm. Not thread-safe: the
 * {@link EventPump} guards it. Fixed size (KEY_CNT bits twice), no allocation.
 */
final class GuestKeyState {
  static final int EV_KEY = 0x01;
  /** KEY_CNT: key codes are below 0x300. */
  static final int KEY_CNT = 0x300;
  private static final int WORDS = KEY_CNT / 64;

  private final long[] held = new long[WORDS];
  private final long[] owed = new long[WORDS];
  private int owedCount;

  private static boolean test(long[] bits, int key) {
    return (bits[key >>> 6] & 1L << key) != 0;
  }

  /** An event given to the guest: a key press (1) or repeat (2) holds it, a release (0) frees it. */
  void delivered(int type, int code, int value) {
    if (type == EV_KEY && code < KEY_CNT) {
      if (value == 0) {
        held[code >>> 6] &= ~(1L << code);
      } else {
        held[code >>> 6] |= 1L << code;
      }
    }
  }

  /** An event the guest will never get: a release of a key it holds becomes owed. */
  void lost(int type, int code, int value) {
    if (type == EV_KEY && value == 0 && code < KEY_CNT) {
      owe(code);
    }
  }

  private void owe(int key) {
    if (test(held, key) && !test(owed, key)) {
      owed[key >>> 6] |= 1L << key;
      owedCount++;
    }
  }

  /** After a loss of unknown events: keys the guest holds that are not in {@code down} are owed. */
  void resync(byte[] down) {
    for (int w = 0; w < WORDS; w++) {
      for (long bits = held[w]; bits != 0; bits &= bits - 1) {
        int key = w * 64 + Long.numberOfTrailingZeros(bits);
        if (key >>> 3 >= down.length || (down[key >>> 3] & 1 << (key & 7)) == 0) {
          owe(key);
        }
      }
    }
  }

  int owedCount() {
    return owedCount;
  }

  /** Hands every owed key to {@code release} in ascending order and forgets them. */
  void takeOwed(IntConsumer release) {
    for (int w = 0; w < WORDS; w++) {
      long bits = owed[w];
      owed[w] = 0;
      for (; bits != 0; bits &= bits - 1) {
        release.accept(w * 64 + Long.numberOfTrailingZeros(bits));
      }
    }
    owedCount = 0;
  }

  /** A freshly started driver holds nothing and is owed nothing. */
  void clear() {
    Arrays.fill(held, 0);
    Arrays.fill(owed, 0);
    owedCount = 0;
  }
}
