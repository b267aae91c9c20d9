// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

/** struct virtio_gpu_rect, fields as unsigned 32-bit values held in longs (no overflow). */
record Rect(long x, long y, long width, long height) {
  static final int SIZE = 16;

  static Rect of(int x, int y, int width, int height) {
    return new Rect(Integer.toUnsignedLong(x), Integer.toUnsignedLong(y),
        Integer.toUnsignedLong(width), Integer.toUnsignedLong(height));
  }

  /** True when the rectangle lies inside a {@code w} x {@code h} area. */
  boolean within(long w, long h) {
    return x + width <= w && y + height <= h;
  }

  boolean isEmpty() {
    return width == 0 || height == 0;
  }

  /** The overlap of two rectangles; empty (width or height 0) when they do not overlap. */
  Rect intersect(Rect o) {
    long x0 = Math.max(x, o.x);
    long y0 = Math.max(y, o.y);
    long x1 = Math.min(x + width, o.x + o.width);
    long y1 = Math.min(y + height, o.y + o.height);
    return new Rect(x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0));
  }
}
