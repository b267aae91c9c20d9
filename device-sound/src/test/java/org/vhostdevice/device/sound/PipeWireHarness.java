// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private PipeWire for tests, as the Rust tests run one: dbus-daemon, pipewire (with a null
 * sink and a virtual source) and WirePlumber, in the runtime directory the test JVM's
 * libpipewire is pointed at (PIPEWIRE_RUNTIME_DIR, set by the pom).
 */
final class PipeWireHarness implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final Path work;

  private PipeWireHarness(Path work) {
    this.work = work;
  }

  /** Why no harness can run here, or null. */
  static String unavailableReason() {
    for (String bin : List.of("/usr/bin/pipewire", "/usr/bin/wireplumber", "/usr/bin/dbus-daemon")) {
      if (!Files.isExecutable(Path.of(bin))) {
        return bin + " is not installed (Debian packages pipewire, wireplumber, dbus-daemon)";
      }
    }
    if (System.getenv("PIPEWIRE_RUNTIME_DIR") == null) {
      return "PIPEWIRE_RUNTIME_DIR is not set (run through Maven)";
    }
    return PipeWire.unavailableReason();
  }

  static PipeWireHarness start(Path work) throws IOException, InterruptedException {
    Path run = Path.of(System.getenv("PIPEWIRE_RUNTIME_DIR"));
    Files.createDirectories(run);
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
    Files.deleteIfExists(run.resolve("pipewire-0"));
    Files.deleteIfExists(run.resolve("pipewire-0.lock"));
    Files.deleteIfExists(run.resolve("bus"));
    Path conf = Files.createDirectories(work.resolve("config/pipewire/pipewire.conf.d"));
    try (InputStream in = PipeWireHarness.class.getResourceAsStream("/pipewire/null-sink.conf")) {
      Files.write(conf.resolve("null-sink.conf"), in.readAllBytes());
    }
    PipeWireHarness h = new PipeWireHarness(work);
    try {
      h.spawn(run, "dbus", "/usr/bin/dbus-daemon", "--session",
          "--address=unix:path=" + run.resolve("bus"), "--nofork", "--nopidfile");
      h.await(run.resolve("bus"));
      h.spawn(run, "pipewire", "/usr/bin/pipewire");
      h.await(run.resolve("pipewire-0"));
      h.spawn(run, "wireplumber", "/usr/bin/wireplumber");
      Thread.sleep(1000); // WirePlumber links streams once it has seen the nodes
      return h;
    } catch (IOException | InterruptedException | RuntimeException e) {
      h.close();
      throw e;
    }
  }

  private void spawn(Path run, String name, String... cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(work.resolve(name + ".log").toFile());
    Map<String, String> env = pb.environment();
    env.put("XDG_RUNTIME_DIR", run.toString());
    env.put("PIPEWIRE_RUNTIME_DIR", run.toString());
    env.put("XDG_CONFIG_HOME", work.resolve("config").toString());
    env.put("XDG_STATE_HOME", work.resolve("state").toString());
    env.put("HOME", work.toString());
    env.put("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + run.resolve("bus"));
    processes.add(pb.start());
  }

  private void await(Path socket) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(socket)) {
      if (System.nanoTime() > deadline || !processes.get(processes.size() - 1).isAlive()) {
        throw new IOException(socket + " never appeared: " + logs());
      }
      Thread.sleep(20);
    }
  }

  String logs() {
    StringBuilder b = new StringBuilder();
    for (String n : List.of("dbus", "pipewire", "wireplumber")) {
      try {
        b.append("\n--- ").append(n).append(":\n")
            .append(Files.readString(work.resolve(n + ".log")));
      } catch (IOException e) {
        b.append("\n--- ").append(n).append(": no log");
      }
    }
    return b.toString();
  }

  @Override
  public void close() throws InterruptedException {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
