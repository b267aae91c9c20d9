// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import org.vhostdevice.device.gpu.GpuHarness.Cmd;

/**
 * Measures the 2D hot path (not a test): TRANSFER_TO_HOST_2D + RESOURCE_FLUSH of a full
 * 1280x800 frame and of a 64x64 damaged rectangle, through the device over fake guest memory to a
 * display that drops the pixels. Prints frames per second; see docs/performance.md for the command.
 */
public final class GpuThroughput {
  private GpuThroughput() {}

  public static void main(String[] args) throws Exception {
    int w = 1280;
    int h = 800;
    try (GpuHarness g = new GpuHarness(GpuMode.TWO_D)) {
      g.device.useDisplayForTest(new NullDisplay());
      g.create(1, PixelFormat.B8G8R8X8, w, h);
      long gpa = g.attach(1, w * h * 4);
      g.paint(gpa, w, h);
      g.setScanout(0, 1, 0, 0, w, h);
      byte[] full = new Cmd(VirtioGpu.CMD_TRANSFER_TO_HOST_2D).u32(0, 0, w, h).u64(0).u32(1, 0)
          .bytes();
      byte[] fullFlush = new Cmd(VirtioGpu.CMD_RESOURCE_FLUSH).u32(0, 0, w, h, 1, 0).bytes();
      byte[] small = new Cmd(VirtioGpu.CMD_TRANSFER_TO_HOST_2D).u32(64, 64, 64, 64)
          .u64((64L * w + 64) * 4).u32(1, 0).bytes();
      byte[] smallFlush = new Cmd(VirtioGpu.CMD_RESOURCE_FLUSH).u32(64, 64, 64, 64, 1, 0)
          .bytes();
      for (String phase : new String[] {"warm-up", "measure"}) {
        report(phase, "full frame 1280x800", g, full, fullFlush, 300);
        report(phase, "damage 64x64", g, small, smallFlush, 20_000);
      }
    }
  }

  private static void report(String phase, String what, GpuHarness g, byte[] transfer,
      byte[] flush, int n) throws Exception {
    long a0 = g.deviceAllocated;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      g.submit(VirtioGpu.CONTROL_QUEUE, transfer, 24);
      g.submit(VirtioGpu.CONTROL_QUEUE, flush, 24);
      if (i % 200 == 199) {
        g.rewind();
      }
    }
    double s = (System.nanoTime() - t0) / 1e9;
    long allocated = g.deviceAllocated - a0;
    if (phase.equals("measure")) {
      System.out.printf("%-22s %8.0f transfer+flush per second (%.1f us each)%n", what, n / s,
          s / n * 1e6);
      System.out.printf("%-22s %8d bytes allocated by the device per pair%n", "",
          allocated / n);
    }
  }

  /** A display that takes every message and drops it. */
  private static final class NullDisplay implements Display {
    @Override
    public byte[] displayInfo() {
      return new byte[PMODES_SIZE];
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
      return true;
    }
  }
}
