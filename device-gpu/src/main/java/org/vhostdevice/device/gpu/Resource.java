// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

/**
 * A 2D resource: the host copy of a guest image (format, size, pixels) and the guest pages that
 * back it. Backing is kept as guest-physical addresses and translated at every transfer, so a
 * guest cannot make the device touch memory that is no longer mapped.
 */
final class Resource {
  final int id;
  final PixelFormat format;
  final int width;
  final int height;
  /** width * height * 4 bytes, or null in the null mode (nothing is stored). */
  final byte[] pixels;
  /** {@link #pixels} as a segment, made once for the copies from guest memory. */
  final java.lang.foreign.MemorySegment pixelSegment;
  /** Backing entries: guest addresses and lengths; null when no backing is attached. */
  long[] backingAddr;
  int[] backingLen;
  long backingSize;
  /**
   * virglrenderer mode: the regions under the backing, kept mapped while virglrenderer holds raw
   * pointers into them (a guest memory table change must not unmap them under the renderer).
   */
  org.vhostdevice.memory.GuestMemory pinned;
  /** True when virglrenderer holds the pixels (the virglrenderer mode). */
  boolean virgl;
  /** Bit i set: scanout i shows this resource. */
  int scanoutMask;

  Resource(int id, PixelFormat format, int width, int height, boolean store) {
    this.id = id;
    this.format = format;
    this.width = width;
    this.height = height;
    this.pixels = store ? new byte[width * height * VirtioGpu.BYTES_PER_PIXEL] : null;
    this.pixelSegment = store ? java.lang.foreign.MemorySegment.ofArray(pixels) : null;
  }

  int stride() {
    return width * VirtioGpu.BYTES_PER_PIXEL;
  }

  long hostBytes() {
    return (long) width * height * VirtioGpu.BYTES_PER_PIXEL;
  }

  boolean hasBacking() {
    return backingAddr != null;
  }
}
