// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.vhostdevice.device.gpu.VirtioGpu.*;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.gpu.GpuHarness.Cmd;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/**
 * The daemon on a real vhost-user socket: the Java frontend speaks QEMU's message order, hands
 * over a display socketpair with GPU_SET_SOCKET, and plays the guest driver bringing up a
 * framebuffer; a fake QEMU display paints its surface from the UPDATE messages.
 */
class GpuDaemonTest {
  private static final int GPU_SET_SOCKET = 33;
  private static final int NEED_REPLY = 0x8;
  /** VERSION_1 and EDID, what the Linux driver accepts from this device. */
  private static final long FEATURES = (1L << 32) | F_EDID;
  private static final int W = 64;
  private static final int H = 48;

  @TempDir Path dir;

  /** One guest session: draws top half red, bottom half blue, and checks QEMU's surface. */
  private void guestDraws(Path sock) throws Exception {
    OwnedFd[] pair = Sockets.socketPair();
    try (Frontend f = Frontend.connect(sock);
        FakeQemuDisplay qemu = new FakeQemuDisplay(pair[1]);
        GuestRam ram = GuestRam.create(0x4000_0000L, 4 << 20);
        EventFd masked = EventFd.create();
        FrontendQueue ctrl = new FrontendQueue(CONTROL_QUEUE, ram, 64);
        FrontendQueue cursor = new FrontendQueue(CURSOR_QUEUE, ram, 64)) {
      f.qemuInit(2, masked);
      f.setNeedReply(true);
      f.sendRaw(GPU_SET_SOCKET, 0x1 | NEED_REPLY, new byte[0], pair[0].fd());
      pair[0].close();
      f.ackOrThrow(GPU_SET_SOCKET);
      f.start(ram, FEATURES, ctrl, cursor);

      ByteBuffer info = call(ram, ctrl, new Cmd(CMD_GET_DISPLAY_INFO), 408);
      assertEquals(RESP_OK_DISPLAY_INFO, info.getInt(0));
      assertEquals(640, info.getInt(24 + 8));
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_RESOURCE_CREATE_2D)
          .u32(1, PixelFormat.B8G8R8X8.code, W, H), 24).getInt(0));
      long fb = ram.alloc(W * H * 4, 4096);
      byte[] px = new byte[W * H * 4];
      for (int i = 0; i < W * H; i++) {
        boolean top = i < W * H / 2;
        px[i * 4] = (byte) (top ? 0 : 0xFF); // B
        px[i * 4 + 2] = (byte) (top ? 0xFF : 0); // R
      }
      ram.memory().write(fb, MemorySegment.ofArray(px));
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_RESOURCE_ATTACH_BACKING)
          .u32(1, 1).u64(fb).u32(W * H * 4, 0), 24).getInt(0));
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_SET_SCANOUT)
          .u32(0, 0, W, H, 0, 1), 24).getInt(0));
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_TRANSFER_TO_HOST_2D)
          .u32(0, 0, W, H).u64(0).u32(1, 0), 24).getInt(0));
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_RESOURCE_FLUSH)
          .u32(0, 0, W, H, 1, 0), 24).getInt(0));
      FakeQemuDisplay.Msg m;
      while ((m = qemu.next(5000)) != null && m.request() != VhostUserGpuDisplay.UPDATE) {
        // SCANOUT, GET_DISPLAY_INFO come first
      }
      assertNotNull(m, "no UPDATE reached the display");
      assertEquals(0xFF0000, qemu.pixel(3, 3));
      assertEquals(0x0000FF, qemu.pixel(W - 1, H - 1));
    } finally {
      pair[0].close();
    }
  }

  private static ByteBuffer call(GuestRam ram, FrontendQueue q, Cmd cmd, int room)
      throws Exception {
    byte[] req = cmd.bytes();
    long r = ram.alloc(req.length, 8);
    ram.memory().write(r, MemorySegment.ofArray(req));
    long out = ram.alloc(room, 8);
    q.driver().publish(q.driver().addChain(new Buffer(r, req.length, false),
        new Buffer(out, room, true)));
    q.kick();
    UsedElement e = q.awaitUsed(10_000);
    assertNotNull(e, "no answer");
    byte[] got = new byte[room];
    ram.memory().read(out, MemorySegment.ofArray(got));
    return ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void aGuestBringsUpAFramebufferAndTheNextGuestIsServedToo() throws Exception {
    Path sock = dir.resolve("gpu.sock");
    GpuMain main = new GpuMain();
    new CommandLine(main).parseArgs("-s", sock.toString(), "-g", "2d", "--log-level", "warn");
    GpuConfig config = main.config();
    Daemon daemon = new Daemon(GpuMain.SPEC, main.socket, i -> new GpuDevice(config));
    daemon.start();
    try {
      guestDraws(sock);
      // The Rust daemon exits after its first frontend; this one serves a rebooted guest.
      guestDraws(sock);
    } finally {
      daemon.stop();
    }
  }

  @Test
  void theJavaFrontendDrivesTheVirglPathAndFencesCompleteThroughWakeUps() throws Exception {
    VirglRenderer renderer = VirglAvailability.renderer();
    org.junit.jupiter.api.Assumptions.assumeTrue(renderer != null,
        "skipping: " + VirglAvailability.reason());
    Path sock = dir.resolve("virgl.sock");
    GpuMain main = new GpuMain();
    new CommandLine(main).parseArgs("-s", sock.toString(), "-g", "virglrenderer",
        "--log-level", "warn");
    GpuConfig config = main.config();
    Daemon daemon = new Daemon(GpuMain.SPEC, main.socket, i -> new GpuDevice(config, renderer));
    daemon.start();
    OwnedFd[] pair = Sockets.socketPair();
    try (Frontend f = Frontend.connect(sock);
        FakeQemuDisplay qemu = new FakeQemuDisplay(pair[1]);
        GuestRam ram = GuestRam.create(0x4000_0000L, 4 << 20);
        EventFd masked = EventFd.create();
        FrontendQueue ctrl = new FrontendQueue(CONTROL_QUEUE, ram, 64);
        FrontendQueue cursor = new FrontendQueue(CURSOR_QUEUE, ram, 64)) {
      f.qemuInit(2, masked);
      f.setNeedReply(true);
      f.sendRaw(GPU_SET_SOCKET, 0x1 | NEED_REPLY, new byte[0], pair[0].fd());
      pair[0].close();
      f.ackOrThrow(GPU_SET_SOCKET);
      assertEquals(F_VIRGL | F_CONTEXT_INIT, f.getFeatures() & (F_VIRGL | F_CONTEXT_INIT));
      f.start(ram, FEATURES | F_VIRGL | F_CONTEXT_INIT, ctrl, cursor);

      ByteBuffer info = call(ram, ctrl, new Cmd(CMD_GET_CAPSET_INFO).u32(1, 0), 40);
      assertEquals(RESP_OK_CAPSET_INFO, info.getInt(0));
      assertEquals(2, info.getInt(24));
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_CTX_CREATE, 0, 0, 1, 0)
          .u32(0, 2).u32(new int[16]), 24).getInt(0));
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_RESOURCE_CREATE_3D)
          .u32(9, 2, 2, 2, 64, 64, 1, 1, 0, 0, 0, 0), 24).getInt(0));
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_CTX_ATTACH_RESOURCE, 0, 0, 1, 0)
          .u32(9, 0), 24).getInt(0));
      // Fenced submits: each answer arrives only once the renderer passed its fence, woken
      // from the renderer thread through VirtQueue.wake().
      for (long fence = 1; fence <= 5; fence++) {
        ByteBuffer r = call(ram, ctrl, new Cmd(CMD_SUBMIT_3D, FLAG_FENCE, fence, 1, 0)
            .u32(4, 0).u32(0), 24);
        assertEquals(RESP_OK_NODATA, r.getInt(0));
        assertEquals(fence, r.getLong(8), "the response echoes its fence");
      }
    } finally {
      pair[0].close();
      daemon.stop();
    }
  }

  @Test
  void aStalledDisplayPeerCostsOneTimeoutAndTheControlQueueGoesOn() throws Exception {
    Path sock = dir.resolve("stall.sock");
    GpuMain main = new GpuMain();
    new CommandLine(main).parseArgs("-s", sock.toString(), "-g", "2d", "--display-timeout-ms",
        "300", "--log-level", "error");
    GpuConfig config = main.config();
    Daemon daemon = new Daemon(GpuMain.SPEC, main.socket, i -> new GpuDevice(config));
    daemon.start();
    OwnedFd[] pair = Sockets.socketPair();
    try (Frontend f = Frontend.connect(sock);
        FakeQemuDisplay qemu = new FakeQemuDisplay(pair[1]);
        GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
        EventFd masked = EventFd.create();
        FrontendQueue ctrl = new FrontendQueue(CONTROL_QUEUE, ram, 64);
        FrontendQueue cursor = new FrontendQueue(CURSOR_QUEUE, ram, 64)) {
      f.qemuInit(2, masked);
      f.setNeedReply(true);
      f.sendRaw(GPU_SET_SOCKET, 0x1 | NEED_REPLY, new byte[0], pair[0].fd());
      pair[0].close();
      f.ackOrThrow(GPU_SET_SOCKET);
      f.start(ram, FEATURES, ctrl, cursor);
      assertEquals(RESP_OK_DISPLAY_INFO,
          call(ram, ctrl, new Cmd(CMD_GET_DISPLAY_INFO), 408).getInt(0));
      qemu.stalled = true; // QEMU's main loop hangs: it neither reads nor answers
      long t0 = System.nanoTime();
      assertEquals(RESP_ERR_UNSPEC, call(ram, ctrl, new Cmd(CMD_GET_DISPLAY_INFO), 408).getInt(0));
      // The dead peer is dropped: the next requests are answered at once, without a display.
      assertEquals(RESP_OK_NODATA, call(ram, ctrl, new Cmd(CMD_RESOURCE_CREATE_2D)
          .u32(1, PixelFormat.B8G8R8X8.code, 16, 16), 24).getInt(0));
      ByteBuffer info = call(ram, ctrl, new Cmd(CMD_GET_DISPLAY_INFO), 408);
      assertEquals(RESP_OK_DISPLAY_INFO, info.getInt(0));
      assertEquals(1024, info.getInt(24 + 8), "the detached display's mode");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      org.junit.jupiter.api.Assertions.assertTrue(ms < 5000, "one bounded wait: " + ms + " ms");
    } finally {
      pair[0].close();
      daemon.stop();
    }
  }
}
