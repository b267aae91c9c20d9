// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.gpu.VirtioGpu.*;

import org.junit.jupiter.api.Test;
import org.vhostdevice.device.gpu.GpuHarness.Cmd;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;

/** {@code --gpu-mode null}: commands are checked and answered, nothing is stored or shown. */
class NullModeTest {
  @Test
  void commandsAreValidatedButNoPixelsAreKept() throws Exception {
    try (GpuHarness h = new GpuHarness(GpuMode.NULL)) {
      assertEquals(RESP_OK_NODATA, h.create(1, PixelFormat.B8G8R8X8, 64, 64));
      assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.create(1, PixelFormat.B8G8R8X8, 64, 64));
      h.attach(1, 64 * 64 * 4);
      assertEquals(RESP_OK_NODATA, h.transfer(1, 0, 0, 64, 64, 0));
      assertEquals(RESP_ERR_INVALID_PARAMETER, h.transfer(1, 0, 0, 65, 64, 0));
      assertEquals(RESP_OK_NODATA, h.setScanout(0, 1, 0, 0, 64, 64));
      assertEquals(RESP_OK_NODATA, h.flush(1, 0, 0, 64, 64));
      assertEquals(RESP_OK_DISPLAY_INFO, h.status(new Cmd(CMD_GET_DISPLAY_INFO)));
      assertTrue(h.display.events.isEmpty(), "the null mode never reaches a display");
    }
  }

  @Test
  void theDisplaySocketIsClosedAtOnce() throws Exception {
    try (GpuHarness h = new GpuHarness(GpuMode.NULL)) {
      OwnedFd[] pair = Sockets.socketPair();
      h.device.gpuSocket(pair[0]);
      assertTrue(pair[0].isClosed());
      assertSame(Display.DETACHED, h.device.display());
      pair[1].close();
    }
  }
}
