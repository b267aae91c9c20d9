// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/** What a package installs for the daemon: the libvirt descriptor and the systemd units. */
class RngServiceIT {
  @TempDir Path dir;

  private static Path dist() {
    return DaemonProcess.launcher().getParent().getParent().resolve("dist");
  }

  @Test
  void theQemuDescriptorMatchesWhatTheDaemonPrints() throws Exception {
    String json = Files.readString(dist().resolve("share/qemu/vhost-user/50-vhost-device-rng.json"));
    assertTrue(json.contains("\"type\": \"rng\""), json);
    assertTrue(json.contains("\"binary\": \"/usr/lib/vhost-device/bin/vhost-device-rng\""), json);
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "--print-capabilities")
        .redirectErrorStream(true).start();
    String caps = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue());
    assertTrue(caps.contains("\"type\": \"rng\""), caps);
  }

  @Test
  void theServiceRunsTheDaemonOnTheSocketItIsHanded() throws Exception {
    String service = Files.readString(dist().resolve("lib/systemd/system/vhost-device-rng@.service"));
    assertTrue(service.contains("ExecStart=/usr/lib/vhost-device/bin/vhost-device-rng --socket-fd=3"),
        service);
    assertTrue(!service.contains("MemoryDenyWriteExecute="), "it would break the JIT");
    String socket = Files.readString(dist().resolve("lib/systemd/system/vhost-device-rng@.socket"));
    assertTrue(socket.contains("Accept=no"), socket);

    // The same hand-over as the unit pair, through systemd-socket-activate: fd 3 listens.
    Path activate = Path.of("/usr/bin/systemd-socket-activate");
    Assumptions.assumeTrue(Files.isExecutable(activate), "systemd-socket-activate is not installed");
    Path sock = dir.resolve("rng-test.sock");
    Process p = new ProcessBuilder(List.of(activate.toString(), "-l", sock.toString(),
        DaemonProcess.launcher().toString(), "--socket-fd=3"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(sock) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      for (int guest = 0; guest < 2; guest++) {
        try (Frontend f = Frontend.connect(sock)) {
          assertEquals(0x1_7100_0000L, f.getFeatures(), Files.readString(dir.resolve("log")));
        }
      }
    } finally {
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(0, p.exitValue(), "SIGTERM from systemd ends the service cleanly");
  }
}
