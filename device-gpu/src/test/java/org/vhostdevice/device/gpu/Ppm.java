// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A binary PPM (P6, maxval 255) as QEMU's screendump writes it. */
record Ppm(int width, int height, byte[] rgb) {
  static Ppm read(Path file) throws IOException {
    byte[] d = Files.readAllBytes(file);
    int[] pos = {0};
    String magic = token(d, pos);
    if (!magic.equals("P6")) {
      throw new IOException("not a binary PPM: " + magic);
    }
    int w = Integer.parseInt(token(d, pos));
    int h = Integer.parseInt(token(d, pos));
    int max = Integer.parseInt(token(d, pos));
    if (max != 255) {
      throw new IOException("unexpected maxval " + max);
    }
    int start = pos[0] + 1; // one whitespace byte after maxval
    if (d.length - start < (long) w * h * 3) {
      throw new IOException("PPM truncated");
    }
    return new Ppm(w, h, java.util.Arrays.copyOfRange(d, start, start + w * h * 3));
  }

  private static String token(byte[] d, int[] pos) {
    while (Character.isWhitespace(d[pos[0]])) {
      pos[0]++;
    }
    int s = pos[0];
    while (!Character.isWhitespace(d[pos[0]])) {
      pos[0]++;
    }
    return new String(d, s, pos[0] - s, java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Pixel (x, y) as 0xRRGGBB. */
  int pixel(int x, int y) {
    int o = (y * width + x) * 3;
    return (rgb[o] & 0xFF) << 16 | (rgb[o + 1] & 0xFF) << 8 | (rgb[o + 2] & 0xFF);
  }
}
