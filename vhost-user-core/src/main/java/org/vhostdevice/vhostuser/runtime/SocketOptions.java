// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every daemon shares (a picocli mixin): where the vhost-user socket comes from,
 * QEMU's {@code --print-capabilities}, and logging. Devices that serve several guests from one
 * process use {@link MultiSocketOptions} instead.
 */
public class SocketOptions {
  @Option(
      names = {"-s", "--socket-path"},
      paramLabel = "PATH",
      description = "Unix socket to listen on for the vhost-user frontend (QEMU).")
  Path socketPath;

  @Option(
      names = {"--socket-fd", "--fd"},
      paramLabel = "FD",
      description = {
        "Inherited socket to serve instead of --socket-path: a listening socket is accepted on",
        "(systemd Accept=no, QEMU's --fd convention), a connected one is served once."
      })
  Integer socketFd;

  @Option(
      names = "--print-capabilities",
      description = "Print the backend capabilities as JSON (QEMU convention) and exit.")
  boolean printCapabilities;

  @Option(
      names = {"-v", "--verbose"},
      description = "More log output: -v debug, -vv trace.")
  boolean[] verbose = new boolean[0];

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "Log level: off, error, warn, info (default), debug, trace.")
  String logLevel;

  /** How many sockets the daemon serves ({@code -c}); 1 unless the device supports more. */
  public int socketCount() {
    return 1;
  }

  /** True if socket paths get the index suffix ({@code path0}, {@code path1}, ...). */
  boolean indexedPaths() {
    return false;
  }

  public Path socketPath() {
    return socketPath;
  }

  /**
   * True when only the capabilities are asked for. QEMU runs {@code --print-capabilities} with no
   * other option, so a device whose options are otherwise required checks them only when this
   * is false (and lets {@link Daemon#run} print the JSON).
   */
  public boolean printCapabilities() {
    return printCapabilities;
  }
}
