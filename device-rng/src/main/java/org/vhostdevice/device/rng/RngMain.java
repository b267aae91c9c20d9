// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.MultiSocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vhost-device-rng}: the same options as the Rust daemon. */
@Command(
    name = "vhost-device-rng",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-rng: guests read entropy from a host source.")
public final class RngMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("rng", "rng");
  static final long MAX_PERIOD_MS = 1 << 16;

  @Mixin MultiSocketOptions socket;

  @Option(
      names = {"-f", "--rng-source", "--filename"},
      paramLabel = "PATH",
      defaultValue = "/dev/urandom",
      description = "Entropy source. Default: ${DEFAULT-VALUE}.")
  Path source;

  @Option(
      names = {"-p", "--period"},
      paramLabel = "MS",
      defaultValue = "65536",
      description = "Length of the rate-limit window in ms, 1..65536. Default: ${DEFAULT-VALUE}.")
  long periodMs;

  @Option(
      names = {"-m", "--max-bytes"},
      paramLabel = "BYTES",
      defaultValue = "9223372036854775807",
      description = "Bytes per window for the whole daemon, split equally between the sockets.")
  long maxBytes;

  /** Checks the options in the Rust daemon's order and with its messages. */
  void validate() throws UsageException {
    if (periodMs < 1 || periodMs > MAX_PERIOD_MS) {
      throw new UsageException("Period is too big: " + periodMs);
    }
    if (socket.socketCount() < 1) {
      throw new UsageException("Wrong socket count: " + socket.socketCount());
    }
    if (maxBytes < 0) {
      throw new UsageException("Wrong max bytes: " + maxBytes);
    }
  }

  long budgetPerSocket() {
    return maxBytes / socket.socketCount();
  }

  @Override
  public Integer call() throws Exception {
    validate();
    EntropySource shared;
    try {
      shared = EntropySource.open(source);
    } catch (IOException e) {
      throw new IOException("RNG source file doesn't exists or can't be accessed: " + source, e);
    }
    long period = TimeUnit.MILLISECONDS.toNanos(periodMs);
    long budget = budgetPerSocket();
    return DaemonMain.serve(new Daemon(SPEC, socket,
        instance -> new RngDevice(shared, period, budget, System::nanoTime)));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new RngMain(), args));
  }
}
