// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

/**
 * The deterministic byte stream and checksum the guest helper {@code vt}
 * (tools/guest/extras.d/vsock.sh) uses: xorshift64* output, 8 little-endian bytes per step, and
 * FNV-1a 64 over the bytes. Host and guest compute them independently and compare.
 */
final class Stream {
  static final long FNV_START = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;
  private long x;
  private long word;
  private int left;

  Stream(long seed) {
    x = seed * 0x9E3779B97F4A7C15L + 1;
  }

  /** Fills {@code b[off..off+n)} with the next bytes of the stream. */
  void fill(byte[] b, int off, int n) {
    for (int i = 0; i < n; i++) {
      if (left == 0) {
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        word = x * 0x2545F4914F6CDD1DL;
        left = 8;
      }
      b[off + i] = (byte) word;
      word >>>= 8;
      left--;
    }
  }

  static long fnv(long h, byte[] b, int off, int n) {
    for (int i = off; i < off + n; i++) {
      h ^= b[i] & 0xFF;
      h *= FNV_PRIME;
    }
    return h;
  }

  static String hex(long h) {
    return String.format("%016x", h);
  }
}
