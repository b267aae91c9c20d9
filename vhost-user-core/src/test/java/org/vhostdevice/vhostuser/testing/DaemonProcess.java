// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A daemon started from its launcher as a separate process, the way users and QEMU's management
 * layers run it; the launcher path comes from the build ({@code daemon.launcher}).
 */
public final class DaemonProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private DaemonProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static Path launcher() {
    String p = System.getProperty("daemon.launcher");
    if (p == null) {
      throw new IllegalStateException("daemon.launcher is not set (run through ./mvnw verify)");
    }
    return Path.of(p);
  }

  /** Starts the daemon and waits until {@code socket} exists (it is listening then). */
  public static DaemonProcess start(Path socket, Path log, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher().toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    DaemonProcess d = new DaemonProcess(p, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(socket)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        d.close();
        throw new IOException("daemon did not start listening on " + socket + ": " + d.log());
      }
      Thread.sleep(20);
    }
    return d;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM, then the exit status (or -1 if it had to be killed). */
  public int stop() throws InterruptedException {
    process.destroy();
    if (process.waitFor(20, TimeUnit.SECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }
}
