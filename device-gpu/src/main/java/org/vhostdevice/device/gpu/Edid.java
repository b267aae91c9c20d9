// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

/**
 * A 128-byte EDID 1.4 base block describing one preferred mode, for display peers that cannot
 * give one (QEMU 7.2 has no GET_EDID). Timings use reduced blanking at 60 Hz; the
 * physical size assumes 96 dots per inch.
 */
final class Edid {
  static final int SIZE = 128;
  private static final int DTD = 54;
  private static final int H_BLANK = 160;
  private static final int H_FRONT = 48;
  private static final int H_SYNC = 32;
  private static final int V_BLANK = 30;
  private static final int V_FRONT = 3;
  private static final int V_SYNC = 6;
  /** sRGB primaries and white point, in EDID's 10-bit packed form. */
  private static final int[] CHROMATICITY =
      {0xEE, 0x91, 0xA3, 0x54, 0x4C, 0x99, 0x26, 0x0F, 0x50, 0x54};

  private Edid() {}

  /** The EDID of a monitor whose preferred mode is {@code width} x {@code height}. */
  static byte[] forMode(int width, int height) {
    int w = Math.max(1, Math.min(width, 4095));
    int h = Math.max(1, Math.min(height, 4095));
    byte[] e = new byte[SIZE];
    put(e, 0, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00);
    // Manufacturer "VHD" as three 5-bit letters, big-endian.
    int id = ('V' - 'A' + 1) << 10 | ('H' - 'A' + 1) << 5 | ('D' - 'A' + 1);
    put(e, 8, id >> 8, id & 0xFF, 0x16, 0x00); // product code 0x0016, little-endian
    put(e, 16, 1, 2025 - 1990, 1, 4); // week, year, EDID 1.4
    int wmm = (int) Math.round(w * 25.4 / 96);
    int hmm = (int) Math.round(h * 25.4 / 96);
    put(e, 20, 0x80, Math.min(255, (wmm + 5) / 10), Math.min(255, (hmm + 5) / 10), 120, 0x06);
    for (int i = 0; i < CHROMATICITY.length; i++) {
      e[25 + i] = (byte) CHROMATICITY[i];
    }
    for (int i = 38; i < 54; i++) {
      e[i] = 1; // standard timings unused
    }
    long clock = (long) (w + H_BLANK) * (h + V_BLANK) * 60 / 10_000; // 10 kHz units
    clock = Math.min(clock, 0xFFFF);
    put(e, DTD, (int) (clock & 0xFF), (int) (clock >> 8), w & 0xFF, H_BLANK & 0xFF,
        (w >> 8) << 4 | H_BLANK >> 8, h & 0xFF, V_BLANK, (h >> 8) << 4, H_FRONT, H_SYNC,
        V_FRONT << 4 | V_SYNC, 0, wmm & 0xFF, hmm & 0xFF, (wmm >> 8 & 0xF) << 4 | (hmm >> 8 & 0xF),
        0, 0, 0x18);
    // Monitor name descriptor, then two dummy descriptors.
    put(e, 72, 0, 0, 0, 0xFC, 0);
    byte[] name = "vhost-gpu\n   ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(name, 0, e, 77, 13);
    put(e, 90, 0, 0, 0, 0x10, 0);
    put(e, 108, 0, 0, 0, 0x10, 0);
    int sum = 0;
    for (int i = 0; i < SIZE - 1; i++) {
      sum += e[i] & 0xFF;
    }
    e[SIZE - 1] = (byte) (-sum & 0xFF);
    return e;
  }

  private static void put(byte[] e, int at, int... values) {
    for (int i = 0; i < values.length; i++) {
      e[at + i] = (byte) values[i];
    }
  }
}
