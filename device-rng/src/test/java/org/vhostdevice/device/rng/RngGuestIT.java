// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * vhost-device-rng (the launcher and fat jar, as a separate process) under QEMU with a real Linux
 * guest whose virtio_rng driver reads from it.
 */
@Tag("guest")
class RngGuestIT {
  private static final Duration BOOT = Duration.ofSeconds(120);
  private static final String READ_16K = """
      cur=$(cat /sys/class/misc/hw_random/rng_current)
      echo "rng_current=$cur"
      [ "$cur" = "virtio_rng.0" ]
      n=$(head -c 16384 /dev/hwrng | wc -c)
      echo "bytes=$n"
      [ "$n" -eq 16384 ]
      """;

  @TempDir Path dir;

  @BeforeAll
  static void needsQemu() throws Exception {
    String why = GuestVm.unavailableReason();
    Assumptions.assumeTrue(why == null, "skipping guest tests: " + why);
    GuestVm.guest();
  }

  private static List<String> rngDevice(Path socket) {
    return List.of("-chardev", "socket,id=rng0,path=" + socket,
        "-device", "vhost-user-rng-pci,chardev=rng0");
  }

  private GuestVm.Result boot(String script, Path socket, String name) throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    return GuestVm.boot(script, rngDevice(socket), BOOT, work);
  }

  @Test
  void theGuestDriverBindsAndReadsTheRequestedBytes() throws Exception {
    Path sock = dir.resolve("rng.sock0");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", dir.resolve("rng.sock").toString())) {
      GuestVm.Result r = boot(READ_16K, sock, "boot");
      assertTrue(r.passed(), r.console() + "\n--- daemon ---\n" + d.log());
      assertTrue(r.console().contains("rng_current=virtio_rng.0"), r.console());
      assertEquals(0, d.stop(), "SIGTERM ends the daemon with status 0");
    }
  }

  @Test
  void oneDaemonServesThreeBootsInARow() throws Exception {
    Path sock = dir.resolve("rng.sock0");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", dir.resolve("rng.sock").toString())) {
      for (int i = 0; i < 3; i++) {
        GuestVm.Result r = boot(READ_16K, sock, "boot" + i);
        assertTrue(r.passed(), "boot " + i + ":\n" + r.console() + "\n--- daemon ---\n" + d.log());
      }
      assertTrue(d.isAlive());
    }
  }

  @Test
  void theRateLimitHoldsAndTheGuestIsNotStalled() throws Exception {
    Path sock = dir.resolve("rng.sock0");
    // 8 KiB per second: 32 KiB need at least three more windows after the first.
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", dir.resolve("rng.sock").toString(), "--max-bytes", "8192", "--period", "1000")) {
      GuestVm.Result r = boot("""
          start=$(date +%s)
          n=$(head -c 32768 /dev/hwrng | wc -c)
          end=$(date +%s)
          echo "bytes=$n elapsed=$((end - start))"
          [ "$n" -eq 32768 ]
          """, sock, "limited");
      assertTrue(r.passed(), r.console() + "\n--- daemon ---\n" + d.log());
      Matcher m = Pattern.compile("elapsed=(\\d+)").matcher(r.console());
      assertTrue(m.find(), r.console());
      int elapsed = Integer.parseInt(m.group(1));
      // 3 s ideal; the guest clock has 1 s resolution, and TCG is slow, so only bound below
      // tightly and above loosely.
      assertTrue(elapsed >= 2 && elapsed <= 30, "elapsed " + elapsed + " s");
    }
  }

  @Test
  void aGuestKilledMidReadLeavesTheDaemonServingTheNext() throws Exception {
    Path sock = dir.resolve("rng.sock0");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", dir.resolve("rng.sock").toString())) {
      Path work = Files.createDirectories(dir.resolve("killed"));
      Process qemu = GuestVm.start("while true; do head -c 65536 /dev/hwrng > /dev/null; done",
          rngDevice(sock), work);
      long deadline = System.nanoTime() + BOOT.toNanos();
      while (!Files.readString(work.resolve("console.txt"), java.nio.charset.StandardCharsets.ISO_8859_1)
          .contains("VHD-BOOTED") && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Thread.sleep(1000); // reading now
      qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      GuestVm.Result r = boot(READ_16K, sock, "after");
      assertTrue(r.passed(), r.console() + "\n--- daemon ---\n" + d.log());
      assertTrue(d.isAlive());
    }
  }
}
