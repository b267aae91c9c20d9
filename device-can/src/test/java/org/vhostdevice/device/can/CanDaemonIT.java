// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * The built daemon as a process with its documented test backend (QEMU 7.2 has no virtio-can
 * device; the Java frontend plays QEMU in its message order).
 */
class CanDaemonIT {
  @TempDir Path dir;

  private static String run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(DaemonProcess.launcher().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return p.exitValue() + ":" + out;
  }

  @Test
  void helpCapabilitiesAndStartErrors() throws Exception {
    String help = run("--help");
    assertTrue(help.startsWith("0:") && help.contains("FOR TESTING ONLY"), help);
    assertTrue(run("--print-capabilities").contains("\"type\": \"can\""));
    String mismatch = run("-s", dir.resolve("s").toString(), "-c", "2", "-d", "vcan0");
    assertTrue(mismatch.startsWith("2:") && mismatch.contains("Invalid socket count: 2"),
        mismatch);
    String missing = run("-s", dir.resolve("s").toString(), "-d", "nosuchcan3");
    assertTrue(missing.startsWith("1:") && missing.contains("Could not find can devices"),
        missing);
  }

  private static long count(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.count();
    }
  }

  @Test
  void guestsTalkAcrossSessionsAndEverySessionFreesItsFdsAndThreads() throws Exception {
    Path base = dir.resolve("can.sock");
    Path s0 = dir.resolve("can.sock0");
    Path s1 = dir.resolve("can.sock1");
    Path log = dir.resolve("log");
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "-s", base.toString(),
        "-c", "2", "-d", "sim0 sim0", "--simulate")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!(Files.exists(s0) && Files.exists(s1)) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Path proc = Path.of("/proc", Long.toString(p.pid()));
      exchange(s0, s1, (byte) 1); // warm-up: classes loaded, pools created
      idleReceiveLoopSleeps(s0, proc);
      Thread.sleep(300);
      long fds = count(proc.resolve("fd"));
      long threads = count(proc.resolve("task"));
      for (byte round = 2; round < 5; round++) {
        exchange(s0, s1, round);
        abandon(s0); // a guest that vanishes with RX buffers posted and the controller started
      }
      Thread.sleep(500);
      assertTrue(count(proc.resolve("fd")) <= fds, "fds leaked: " + Files.readString(log));
      assertTrue(count(proc.resolve("task")) <= threads, "threads leaked");
      assertTrue(p.isAlive(), Files.readString(log));
    } finally {
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(0, p.exitValue());
  }

  /** Guest A sends a classic and an FD frame, guest B receives both; a bad frame in between. */
  private static void exchange(Path s0, Path s1, byte tag) throws Exception {
    try (CanGuest a = new CanGuest(s0); CanGuest b = new CanGuest(s1)) {
      a.start();
      b.start();
      assertEquals(0, a.control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START));
      assertEquals(0, b.control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START));
      long buf1 = b.postRx();
      assertEquals(VirtioCan.VIRTIO_CAN_RESULT_NOT_OK, a.send(0x4000_0000, 1, tag));
      assertEquals(0, a.status(), "a bad frame is not a bus-off");
      assertEquals(VirtioCan.VIRTIO_CAN_RESULT_OK, a.send(0, 0x100, tag));
      ByteBuffer got = b.awaitRx(buf1, 10_000);
      assertNotNull(got);
      assertEquals(tag, got.get(VirtioCan.FRAME_SDU));
      long buf2 = b.postRx();
      assertEquals(VirtioCan.VIRTIO_CAN_RESULT_OK, a.send(VirtioCan.VIRTIO_CAN_FLAGS_FD
          | VirtioCan.VIRTIO_CAN_FLAGS_EXTENDED, 0x1000, new byte[] {tag, 0, 0, 0, 0, 0, 0, 0,
              0, 0, 0, 9}));
      got = b.awaitRx(buf2, 10_000);
      assertNotNull(got);
      assertEquals(VirtioCan.VIRTIO_CAN_FLAGS_FD | VirtioCan.VIRTIO_CAN_FLAGS_EXTENDED,
          got.getInt(VirtioCan.FRAME_FLAGS));
      assertEquals(12, got.getShort(VirtioCan.FRAME_LENGTH));
      assertEquals(9, got.get(VirtioCan.FRAME_SDU + 11));
      a.stop();
      b.stop();
    }
  }

  /**
   * A started guest with nothing on the bus: its receive thread sleeps in epoll_wait. The Rust
   * daemon's receive thread spins (about 100 ticks of CPU per second); allow a tenth of that.
   */
  private static void idleReceiveLoopSleeps(Path s0, Path proc) throws Exception {
    try (CanGuest a = new CanGuest(s0)) {
      a.start();
      assertEquals(0, a.control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START));
      a.postRx();
      Path task = null;
      try (var tasks = Files.list(proc.resolve("task"))) {
        for (Path t : (Iterable<Path>) tasks::iterator) {
          if (Files.readString(t.resolve("comm")).trim().startsWith("vhost-can-rx")) {
            task = t;
          }
        }
      }
      assertNotNull(task, "a receive thread runs while the guest is started");
      long before = cpuTicks(task);
      Thread.sleep(1000);
      long used = cpuTicks(task) - before;
      assertTrue(used < 10, "the receive thread used " + used + " ticks while idle");
      a.stop();
    }
  }

  private static long cpuTicks(Path task) throws Exception {
    String stat = Files.readString(task.resolve("stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
  }

  private static void abandon(Path s0) throws Exception {
    try (CanGuest a = new CanGuest(s0)) {
      a.start();
      a.control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START);
      a.postRx();
      a.postRx();
    } // closed without stopping the queues
  }
}
