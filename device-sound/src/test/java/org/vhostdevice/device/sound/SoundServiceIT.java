// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/** The packaged daemon as a process: descriptor, exit codes, both backends, reconnects. */
class SoundServiceIT {
  @TempDir Path dir;

  private static Path dist() {
    return DaemonProcess.launcher().getParent().getParent().resolve("dist");
  }

  private static String run(int expectedStatus, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(DaemonProcess.launcher().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(expectedStatus, p.exitValue(), out);
    return out;
  }

  @Test
  void theQemuDescriptorMatchesWhatTheDaemonPrints() throws Exception {
    String json = Files.readString(
        dist().resolve("share/qemu/vhost-user/50-vhost-device-sound.json"));
    assertTrue(json.contains("\"type\": \"sound\""), json);
    assertTrue(run(0, "--print-capabilities").contains("\"type\": \"sound\""));
  }

  @Test
  void usageErrorsExitWithStatusTwo() throws Exception {
    assertTrue(run(2, "--backend", "null").contains("--socket"));
    assertTrue(run(2, "--socket", dir.resolve("s").toString()).contains("--backend"));
    assertTrue(run(2, "--socket", dir.resolve("s").toString(), "--backend", "jack")
        .contains("jack"));
  }

  @Test
  void eachBackendServesFrontendsOneAfterAnotherAndStopsOnSigterm() throws Exception {
    for (String backend : List.of("null", "alsa", "pipewire")) {
      Path sock = dir.resolve(backend + ".sock");
      try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve(backend + ".log"),
          "--socket", sock.toString(), "--backend", backend)) {
        for (int guest = 0; guest < 2; guest++) {
          try (Frontend f = Frontend.connect(sock)) {
            assertEquals(0x1_7100_0000L, f.getFeatures(), d.log());
            assertEquals(4, f.qemuInit(4).queueNum());
            byte[] config = f.getConfig(0, 16);
            assertEquals(2, config[4], "streams");
            assertEquals(2, config[8], "chmaps");
          }
        }
        assertEquals(0, d.stop(), d.log());
      }
    }
  }
}
