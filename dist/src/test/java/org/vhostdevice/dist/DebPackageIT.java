// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.frontend.Frontend;

/** The .deb, unpacked into a scratch root with dpkg -x, runs every daemon it installs. */
class DebPackageIT {
  @TempDir static Path scratch;
  private static Path root;

  @BeforeAll
  static void unpack() throws Exception {
    Path dist = Path.of(System.getProperty("dist.dir"));
    Path deb;
    try (Stream<Path> s = Files.list(dist)) {
      deb = s.filter(p -> p.toString().endsWith("_amd64.deb")).findFirst().orElseThrow();
    }
    root = scratch.resolve("root");
    Run r = run(Map.of(), "dpkg", "-x", deb.toString(), root.toString());
    assertEquals(0, r.status, r.output);
  }

  private record Run(int status, String output) {}

  private static Run run(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
    return new Run(p.exitValue(), out);
  }

  private static List<String> daemons() throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(root.resolve("usr/bin"))) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    }
    assertTrue(names.contains("vhost-device-rng"), names.toString());
    return names;
  }

  @Test
  void rngHelpRunsFromTheUnpackedPackage() throws Exception {
    Run r = run(Map.of(), root.resolve("usr/bin/vhost-device-rng").toString(), "--help");
    assertEquals(0, r.status, r.output);
    assertTrue(r.output.contains("--socket-path"), r.output);
  }

  @Test
  void everyDaemonShipsItsLauncherDescriptorUnitsManPageAndCompletion() throws Exception {
    for (String d : daemons()) {
      String json = Files.readString(root.resolve("usr/share/qemu/vhost-user/50-" + d + ".json"));
      assertTrue(json.contains("\"binary\": \"/usr/lib/vhost-device/bin/" + d + "\""), json);
      assertTrue(Files.isExecutable(root.resolve("usr/lib/vhost-device/bin/" + d)), d);
      assertTrue(Files.exists(root.resolve("lib/systemd/system/" + d + "@.socket")), d);
      assertTrue(Files.exists(root.resolve("lib/systemd/system/" + d + "@.service")), d);
      assertTrue(Files.size(root.resolve("usr/share/man/man1/" + d + ".1.gz")) > 0, d);
      assertTrue(Files.readString(root.resolve("usr/share/bash-completion/completions/" + d))
          .contains("complete -F"), d);
      // The type QEMU/libvirt read from the descriptor is what the daemon itself reports.
      Run caps = run(Map.of(), root.resolve("usr/bin/" + d).toString(), "--print-capabilities");
      assertEquals(0, caps.status, d + ": " + caps.output);
      String type = json.replaceAll("(?s).*\"type\": \"([^\"]+)\".*", "$1");
      assertTrue(caps.output.contains("\"type\": \"" + type + "\""), d + ": " + caps.output);
    }
  }

  @Test
  void theShippedAotCacheIsUsedAfterTheTreeMoved() throws Exception {
    // The cache was trained in the build's staging tree; here it lies elsewhere.
    Run r = run(Map.of("VHOST_DEVICE_JAVA_OPTS", "-Xlog:class+load=info"),
        root.resolve("usr/bin/vhost-device-rng").toString(), "--version");
    assertEquals(0, r.status, r.output);
    assertTrue(r.output.lines().anyMatch(
            l -> l.contains(" picocli.CommandLine ") && l.contains("shared objects file")),
        "picocli did not come from the AOT cache:\n" + r.output.lines().filter(
            l -> l.contains("picocli.CommandLine ")).findFirst().orElse("(not loaded)"));
  }

  @Test
  void noDaemonReadsAnnotationsToStart() throws Exception {
    // Each annotation type read at run time costs a JDK proxy class that no AOT cache holds:
    // the command comes from the model written at build time (CliModel), not from picocli's
    // annotations. A daemon that lost its model shows here, not only as a slower start.
    for (String d : daemons()) {
      Run r = run(Map.of("VHOST_DEVICE_JAVA_OPTS", "-Xlog:class+load=info"),
          root.resolve("usr/bin/" + d).toString(), "--print-capabilities");
      assertEquals(0, r.status, d + ": " + r.output);
      List<String> proxies = r.output.lines().filter(l -> l.contains("__dynamic_proxy__"))
          .toList();
      assertTrue(proxies.isEmpty(), d + " generated proxy classes: " + proxies);
    }
  }

  @Test
  void theUnpackedRngDaemonServesAFrontend() throws Exception {
    Path sock = scratch.resolve("rng.sock");
    Process p = new ProcessBuilder(root.resolve("usr/bin/vhost-device-rng").toString(),
        "-s", sock.toString()).redirectErrorStream(true)
        .redirectOutput(scratch.resolve("rng.log").toFile()).start();
    try {
      Path listening = scratch.resolve("rng.sock0");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(listening) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      try (Frontend f = Frontend.connect(listening)) {
        assertEquals(0x1_7100_0000L, f.getFeatures(),
            Files.readString(scratch.resolve("rng.log")));
      }
    } finally {
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(0, p.exitValue(), "SIGTERM ends the daemon cleanly");
  }
}
