// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.testing.DaemonProcess;
import org.vhostdevice.vhostuser.testing.GuestVm;

/**
 * vhost-device-gpu (the launcher, as a separate process) under QEMU 7.2's vhost-user-gpu-pci with
 * a Linux guest: the virtio_gpu driver brings up /dev/fb0, the guest draws a pattern into it, and
 * a QMP screendump of QEMU's console shows that pattern.
 *
 * <p>QEMU 7.2 refuses vhost-user-gpu without KVM ("vhost initialization failed: requires kvm": the
 * vhost-user backend object needs ioeventfd), so this test skips under TCG.
 */
@Tag("guest")
class GpuGuestIT {
  private static final Duration BOOT = Duration.ofSeconds(240);
  /** Top half: left blue, right red; bottom half green. Written row by row into /dev/fb0. */
  private static final String DRAW = """
      [ -e /dev/fb0 ]
      cat /sys/class/graphics/fb0/name
      for v in /sys/class/vtconsole/vtcon*; do echo 0 > "$v/bind" 2>/dev/null || true; done
      W=$(cut -d, -f1 /sys/class/graphics/fb0/virtual_size)
      H=$(cut -d, -f2 /sys/class/graphics/fb0/virtual_size)
      S=$(cat /sys/class/graphics/fb0/stride)
      [ "$S" -eq $((W * 4)) ]
      printf '\\377\\000\\000\\000' > /tmp/b
      printf '\\000\\000\\377\\000' > /tmp/r
      printf '\\000\\377\\000\\000' > /tmp/g
      rep() { cp "$1" /tmp/x; n=1; while [ $n -lt "$2" ]; do cat /tmp/x /tmp/x > /tmp/y; mv /tmp/y /tmp/x; n=$((n * 2)); done; head -c $(( $(wc -c < "$1") * $2 )) /tmp/x > "$3"; }
      rep /tmp/b $((W / 2)) /tmp/lb
      rep /tmp/r $((W - W / 2)) /tmp/lr
      cat /tmp/lb /tmp/lr > /tmp/l1
      rep /tmp/g "$W" /tmp/l2
      rep /tmp/l1 $((H / 2)) /tmp/top
      rep /tmp/l2 $((H - H / 2)) /tmp/bot
      cat /tmp/top /tmp/bot > /dev/fb0
      echo "VHD-DRAWN ${W}x${H}"
      sleep 600
      """;

  @TempDir Path dir;

  @BeforeAll
  static void needsQemuWithKvm() throws Exception {
    String why = GuestVm.unavailableReason();
    Assumptions.assumeTrue(why == null, "skipping guest tests: " + why);
    GuestVm.guest();
    Assumptions.assumeTrue(GuestVm.accel().equals("kvm"),
        "skipping: QEMU 7.2's vhost-user-gpu-pci needs KVM (ioeventfd), this machine runs TCG");
  }

  private static List<String> gpuDevice(Path socket, Path qmp) {
    return List.of("-chardev", "socket,id=gpu0,path=" + socket,
        "-device", "vhost-user-gpu-pci,chardev=gpu0",
        "-qmp", "unix:" + qmp + ",server=on,wait=off");
  }

  private static String console(Path work) throws Exception {
    return Files.readString(work.resolve("console.txt"), StandardCharsets.ISO_8859_1);
  }

  @Test
  void theGuestFramebufferIsWhatQemuShows() throws Exception {
    Path sock = dir.resolve("gpu.sock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", sock.toString(), "-g", "2d")) {
      Path work = Files.createDirectories(dir.resolve("draw"));
      Path qmpSock = work.resolve("qmp.sock");
      Process qemu = GuestVm.start(DRAW, gpuDevice(sock, qmpSock), work);
      try {
        long deadline = System.nanoTime() + BOOT.toNanos();
        Matcher drawn = null;
        while (drawn == null && System.nanoTime() < deadline && qemu.isAlive()) {
          Matcher m = Pattern.compile("VHD-DRAWN (\\d+)x(\\d+)").matcher(console(work));
          if (m.find()) {
            drawn = m;
          } else if (console(work).contains("VHD-RESULT")) {
            break;
          } else {
            Thread.sleep(500);
          }
        }
        assertTrue(drawn != null, console(work) + "\n--- daemon ---\n" + d.log());
        int w = Integer.parseInt(drawn.group(1));
        int h = Integer.parseInt(drawn.group(2));
        Ppm shot = null;
        try (Qmp qmp = Qmp.connect(qmpSock)) {
          // The fbdev emulation flushes its damage a little later: retry for a while.
          Path ppm = work.resolve("shot.ppm");
          for (int i = 0; i < 60; i++) {
            String answer = qmp.execute(
                "{\"execute\":\"screendump\",\"arguments\":{\"filename\":\"" + ppm + "\"}}");
            assertTrue(answer.contains("\"return\""), answer);
            shot = Ppm.read(ppm);
            if (shot.width() == w && shot.height() == h
                && shot.pixel(w / 2, 3 * h / 4) == 0x00FF00) {
              break;
            }
            Thread.sleep(500);
          }
          try {
            qmp.execute("{\"execute\":\"quit\"}");
          } catch (java.io.IOException e) {
            // QEMU may close the monitor before its answer reaches us: it is quitting.
          }
        }
        String why = console(work) + "\n--- daemon ---\n" + d.log();
        assertEquals(w, shot.width(), why);
        assertEquals(h, shot.height(), why);
        assertEquals(0x0000FF, shot.pixel(w / 4, h / 4), "top left is blue\n" + why);
        assertEquals(0xFF0000, shot.pixel(3 * w / 4, h / 4), "top right is red\n" + why);
        assertEquals(0x00FF00, shot.pixel(w / 2, 3 * h / 4), "bottom is green\n" + why);
        assertEquals(0x00FF00, shot.pixel(w - 1, h - 1), "the last pixel too\n" + why);
      } finally {
        qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      // The same daemon serves the next guest (the Rust daemon exits after one).
      GuestVm.Result r = GuestVm.boot("[ -e /dev/fb0 ]; cat /sys/class/graphics/fb0/name",
          gpuDevice(sock, dir.resolve("qmp2.sock")), BOOT, Files.createDirectories(dir.resolve("again")));
      assertTrue(r.passed(), r.console() + "\n--- daemon ---\n" + d.log());
      assertTrue(d.isAlive());
    }
  }
}
