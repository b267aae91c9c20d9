// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon as a process: exit codes, signals and the socket file, as QEMU's conventions ask. */
class TemplateProcessTest {
  @TempDir Path dir;

  private static List<String> javaCommand(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(TemplateMain.class.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static Process start(Path output, String... args) throws IOException {
    return new ProcessBuilder(javaCommand(args))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
  }

  private static int finish(Process p) throws InterruptedException {
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "daemon did not exit");
    return p.exitValue();
  }

  @Test
  void sigtermEndsTheDaemonWithStatusZeroAndRemovesTheSocket() throws Exception {
    Path sock = dir.resolve("foo.sock");
    Process p = start(dir.resolve("out.txt"), "-s", sock.toString());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(sock) && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(sock), "daemon never listened: " + Files.readString(dir.resolve("out.txt")));
    p.destroy(); // SIGTERM
    assertEquals(0, finish(p));
    assertFalse(Files.exists(sock));
  }

  @Test
  void aPathThatIsNotASocketFailsTheStartWithStatusOne() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    Path out = dir.resolve("out.txt");
    assertEquals(1, finish(start(out, "--socket-path", file.toString())));
    assertTrue(Files.readString(out, StandardCharsets.UTF_8).contains("not a socket"));
  }

  @Test
  void missingSocketIsAUsageErrorWithStatusTwo() throws Exception {
    Path out = dir.resolve("out.txt");
    assertEquals(2, finish(start(out)));
    assertTrue(Files.readString(out).contains("--socket-path"), Files.readString(out));
  }

  @Test
  void unknownOptionIsAUsageErrorWithStatusTwo() throws Exception {
    assertEquals(2, finish(start(dir.resolve("out.txt"), "--no-such-option")));
  }

  @Test
  void systemdSocketActivationHandsTheListeningSocketOver() throws Exception {
    Path activate = Path.of("/usr/bin/systemd-socket-activate");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(activate),
        "systemd-socket-activate is not installed (Debian package systemd)");
    Path sock = dir.resolve("activated.sock");
    List<String> cmd = new ArrayList<>(List.of(activate.toString(), "-l", sock.toString()));
    cmd.addAll(javaCommand()); // no socket option: the daemon must take LISTEN_FDS
    Path out = dir.resolve("out.txt");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(sock) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      try (org.vhostdevice.vhostuser.frontend.Frontend f =
          org.vhostdevice.vhostuser.frontend.Frontend.connect(sock)) {
        assertEquals(new TemplateDevice().features(), f.getFeatures(), Files.readString(out));
      }
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void printCapabilitiesNeedsNoSocket() throws Exception {
    Path out = dir.resolve("out.txt");
    assertEquals(0, finish(start(out, "--print-capabilities")));
    assertTrue(Files.readString(out).contains("\"type\": \"template\""), Files.readString(out));
  }
}
