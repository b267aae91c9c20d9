// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/** The launcher as users run it: capabilities, refused modes, each mode serving a frontend. */
class GpuServiceIT {
  @TempDir Path dir;

  private static Process run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(DaemonProcess.launcher().toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  private static String output(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return out;
  }

  @Test
  void capabilitiesNameTheGpuType() throws Exception {
    Process p = run("--print-capabilities");
    String caps = output(p);
    assertEquals(0, p.exitValue(), caps);
    assertTrue(caps.contains("\"type\": \"gpu\""), caps);
  }

  @Test
  void gfxstreamIsRefusedWithStatusTwo() throws Exception {
    Process p = run("-s", dir.resolve("g.sock").toString(), "-g", "gfxstream");
    String out = output(p);
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.contains("gfxstream is not available"), out);
  }

  @Test
  void aCapsetOfAnotherModeIsRefusedWithTheRustMessage() throws Exception {
    Process p = run("-s", dir.resolve("g.sock").toString(), "-g", "2d", "-c", "virgl");
    String out = output(p);
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.contains("The mode 2d does not support virgl capset"), out);
  }

  private static long features(Path sock) throws Exception {
    try (Frontend f = Frontend.connect(sock)) {
      return f.getFeatures();
    }
  }

  @Test
  void the2dModeServesFrontendAfterFrontendAndStopsCleanly() throws Exception {
    Path sock = dir.resolve("gpu.sock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("log"),
        "-s", sock.toString(), "-g", "2d")) {
      for (int i = 0; i < 2; i++) {
        long f = features(sock);
        assertEquals(VirtioGpu.F_EDID, f & (VirtioGpu.F_EDID | VirtioGpu.F_VIRGL), d.log());
      }
      assertTrue(d.isAlive());
      assertEquals(0, d.stop(), "SIGTERM ends the daemon with status 0");
    }
  }

  @Test
  void theVirglrendererModeStartsItsRendererAndOffersVirgl() throws Exception {
    Assumptions.assumeTrue(VirglAvailability.renderer() != null,
        "skipping: " + VirglAvailability.reason());
    Path sock = dir.resolve("virgl.sock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("log"),
        "-s", sock.toString(), "-g", "virglrenderer")) {
      long f = features(sock);
      assertEquals(VirtioGpu.F_VIRGL | VirtioGpu.F_CONTEXT_INIT | VirtioGpu.F_EDID,
          f & (VirtioGpu.F_VIRGL | VirtioGpu.F_CONTEXT_INIT | VirtioGpu.F_EDID | VirtioGpu.F_RESOURCE_BLOB), d.log());
      assertEquals(0, d.stop());
    }
  }
}
