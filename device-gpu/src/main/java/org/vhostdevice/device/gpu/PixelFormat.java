// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

/**
 * The 32-bit virtio-gpu formats. Each name lists the bytes in memory order, so B8G8R8X8 is the
 * byte sequence B, G, R, X: what QEMU's display surfaces (pixman x8r8g8b8 on a little-endian
 * host) and its cursor (ARGB32) hold. Anything else is reordered on the way to the display.
 */
enum PixelFormat {
  B8G8R8A8(1, 0, 1, 2, 3),
  B8G8R8X8(2, 0, 1, 2, -1),
  A8R8G8B8(3, 3, 2, 1, 0),
  X8R8G8B8(4, 3, 2, 1, -1),
  R8G8B8A8(67, 2, 1, 0, 3),
  X8B8G8R8(68, 1, 2, 3, -1),
  A8B8G8R8(121, 1, 2, 3, 0),
  R8G8B8X8(134, 2, 1, 0, -1);

  final int code;
  /** Source byte index of blue, green, red and alpha (-1: no alpha, shown opaque). */
  final int b;
  final int g;
  final int r;
  final int a;

  PixelFormat(int code, int b, int g, int r, int a) {
    this.code = code;
    this.b = b;
    this.g = g;
    this.r = r;
    this.a = a;
  }

  /** The format with virtio code {@code code}, or null for formats this device does not know. */
  static PixelFormat of(int code) {
    for (PixelFormat f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    return null;
  }

  /** True when the bytes already are B, G, R, X/A and can be sent to the display unchanged. */
  boolean isDisplayNative() {
    return b == 0 && g == 1 && r == 2;
  }

  /**
   * Copies {@code pixels} pixels from {@code src} at {@code srcOff} to {@code dst} at {@code
   * dstOff} as B, G, R, A (alpha 0xFF for formats without one).
   */
  void toBgra(byte[] src, int srcOff, byte[] dst, int dstOff, int pixels) {
    for (int i = 0; i < pixels; i++) {
      int s = srcOff + i * 4;
      int d = dstOff + i * 4;
      dst[d] = src[s + b];
      dst[d + 1] = src[s + g];
      dst[d + 2] = src[s + r];
      dst[d + 3] = a < 0 ? (byte) 0xFF : src[s + a];
    }
  }

  /** Reorders {@code pixels} pixels of {@code buf} to B, G, R, A where they are. */
  void toBgraInPlace(byte[] buf, int pixels) {
    for (int i = 0; i < pixels; i++) {
      int o = i * 4;
      byte vb = buf[o + b];
      byte vg = buf[o + g];
      byte vr = buf[o + r];
      byte va = a < 0 ? (byte) 0xFF : buf[o + a];
      buf[o] = vb;
      buf[o + 1] = vg;
      buf[o + 2] = vr;
      buf[o + 3] = va;
    }
  }
}
