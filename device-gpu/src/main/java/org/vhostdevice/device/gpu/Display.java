// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.io.IOException;

/**
 * Where scanouts are shown: the frontend's side of the vhost-user-gpu protocol (QEMU
 * docs/interop/vhost-user-gpu.rst). Pixels arrive as B, G, R, A bytes, tightly packed.
 */
interface Display {
  /** Size of the per-scanout part of a display-info reply: 16 entries of {rect, enabled, flags}. */
  int PMODES_SIZE = VirtioGpu.MAX_SCANOUTS * 24;

  /** The 384 bytes of {@code virtio_gpu_display_one} entries describing every scanout. */
  byte[] displayInfo() throws IOException;

  /** The EDID blob of {@code scanout} (at most 1024 bytes), or null if the display has none. */
  byte[] edid(int scanout) throws IOException;

  /** Shows a {@code width} x {@code height} surface on {@code scanout}; 0 x 0 turns it off. */
  void scanout(int scanout, int width, int height) throws IOException;

  /** Replaces a rectangle of {@code scanout} with {@code width*height*4} bytes of {@code pixels}. */
  void update(int scanout, int x, int y, int width, int height, byte[] pixels) throws IOException;

  /** Defines the 64x64 cursor image ({@code 16384} bytes of B, G, R, A) and shows it at x, y. */
  void cursorUpdate(int scanout, int x, int y, int hotX, int hotY, byte[] image)
      throws IOException;

  /** Moves the cursor, or hides it when {@code visible} is false. */
  void cursorMove(int scanout, int x, int y, boolean visible) throws IOException;

  /** True when this display reaches a real peer (false: output is dropped). */
  boolean isConnected();

  /**
   * No display socket (yet, or any more): one enabled 1024x768 scanout is reported so that a
   * driver can bring up a framebuffer, and output is dropped.
   */
  Display DETACHED = new Display() {
    @Override
    public byte[] displayInfo() {
      byte[] info = new byte[PMODES_SIZE];
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(info).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      b.putInt(8, 1024).putInt(12, 768).putInt(16, 1);
      return info;
    }

    @Override
    public byte[] edid(int scanout) {
      return null;
    }

    @Override
    public void scanout(int scanout, int width, int height) {}

    @Override
    public void update(int scanout, int x, int y, int width, int height, byte[] pixels) {}

    @Override
    public void cursorUpdate(int scanout, int x, int y, int hotX, int hotY, byte[] image) {}

    @Override
    public void cursorMove(int scanout, int x, int y, boolean visible) {}

    @Override
    public boolean isConnected() {
      return false;
    }
  };
}
