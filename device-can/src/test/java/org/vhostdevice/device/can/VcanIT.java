// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * The daemon on a real SocketCAN interface: a vcan created for the test (needs the vcan module
 * and CAP_NET_ADMIN; skipped with the reason otherwise). The test's own raw socket on the same
 * interface is the other node on the bus.
 */
class VcanIT {
  private static final String IF = "vhdcan0";
  private static String unavailable;

  @TempDir Path dir;

  private static String sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      return String.join(" ", cmd) + ": " + out.trim();
    }
    return null;
  }

  @BeforeAll
  static void createVcan() throws Exception {
    sh("modprobe", "vcan");
    sh("ip", "link", "del", IF);
    unavailable = sh("ip", "link", "add", "dev", IF, "type", "vcan");
    if (unavailable == null) {
      // MTU 72 makes the vcan carry CAN FD frames.
      unavailable = sh("ip", "link", "set", IF, "mtu", "72", "up");
    }
  }

  @AfterAll
  static void deleteVcan() throws Exception {
    if (unavailable == null) {
      sh("ip", "link", "del", IF);
    }
  }

  @Test
  void framesCrossARealVcanBothWays() throws Exception {
    Assumptions.assumeTrue(unavailable == null, "no vcan interface on this machine: " + unavailable);
    Path sock = dir.resolve("can.sock0");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("log"),
            "-s", dir.resolve("can.sock").toString(), "-d", IF);
        SocketCanBus peer = SocketCanBus.open(IF);
        CanGuest g = new CanGuest(sock)) {
      assertTrue(peer.fdCapable());
      assertEquals(0x1_7100_0003L, g.offered, "FD offered because the MTU is 72");
      g.start();
      assertEquals(0, g.control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START));
      long buf = g.postRx();
      // Guest to bus.
      assertEquals(0, g.send(VirtioCan.VIRTIO_CAN_FLAGS_EXTENDED, 0x1234567, (byte) 5, (byte) 6));
      CanFrame got = new CanFrame();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!peer.receive(got) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(0x1234567 | CanFrame.CAN_EFF_FLAG, got.canId);
      assertEquals(2, got.len);
      // Bus to guest, as CAN FD.
      peer.send(FakeCanBus.frame(0x42, true, new byte[16]));
      ByteBuffer rx = g.awaitRx(buf, 10_000);
      assertNotNull(rx, d.log());
      assertEquals(0x42, rx.getInt(VirtioCan.FRAME_CAN_ID));
      assertEquals(VirtioCan.VIRTIO_CAN_FLAGS_FD, rx.getInt(VirtioCan.FRAME_FLAGS));
      assertEquals(16, rx.getShort(VirtioCan.FRAME_LENGTH));
      // The guest's own frame did not come back to it.
      long buf2 = g.postRx();
      assertEquals(null, g.awaitRx(buf2, 300));
      // The interface goes down: the controller reports bus-off.
      assertFalse(sh("ip", "link", "set", IF, "down") != null);
      g.send(0, 0x1, (byte) 1);
      assertEquals(VirtioCan.VIRTIO_CAN_S_CTRL_BUSOFF, g.status(), d.log());
      sh("ip", "link", "set", IF, "up");
      g.stop();
    }
  }
}
