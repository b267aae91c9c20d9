// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.MultiSocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vhost-device-console}: the Rust daemon's options, plus {@code --tcp-address}. */
@Command(
    name = "vhost-device-console",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-console: the guest's console on this terminal "
        + "(nested; Ctrl-A x quits) or on a TCP port per guest (network).")
public final class ConsoleMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("console", "console");
  static final int MAX_QUEUE_SIZE = 32768;

  enum BackendType { nested, network }

  @Mixin MultiSocketOptions socket;

  @Option(names = {"-b", "--backend"}, paramLabel = "nested|network", defaultValue = "nested",
      description = "Console backend: this terminal (one guest) or TCP. Default: ${DEFAULT-VALUE}.")
  BackendType backend;

  @Option(names = {"-p", "--tcp-port"}, paramLabel = "PORT", defaultValue = "12345",
      description = "First TCP port (network); guest i listens on PORT+i. Default: ${DEFAULT-VALUE}.")
  String tcpPort;

  @Option(names = {"--tcp-address"}, paramLabel = "ADDR", defaultValue = "127.0.0.1",
      description = "Address the TCP ports listen on (network). Default: ${DEFAULT-VALUE}; "
          + "0.0.0.0 exposes the guest consoles to the network.")
  String tcpAddress;

  @Option(names = {"-q", "--max-queue-size"}, paramLabel = "N", defaultValue = "128",
      description = "Largest virtqueue the driver may use, a power of two. Default: ${DEFAULT-VALUE}.")
  int maxQueueSize;

  /** The Rust daemon's checks and messages, then the ones it lacks (port, queue size). */
  int validate() throws UsageException {
    int count = socket.socketCount();
    if (count == 0) {
      throw new UsageException("Invalid socket count: 0");
    }
    if (count < 0) {
      throw new UsageException("Invalid socket count: " + count);
    }
    if (backend == BackendType.nested && count != 1) {
      throw new UsageException("Error using multiple sockets with Nested backend");
    }
    if (maxQueueSize < 1 || maxQueueSize > MAX_QUEUE_SIZE || Integer.bitCount(maxQueueSize) != 1) {
      throw new UsageException("Invalid max queue size: " + maxQueueSize
          + " (a power of two from 1 to " + MAX_QUEUE_SIZE + ")");
    }
    int port;
    try {
      port = Integer.parseInt(tcpPort);
    } catch (NumberFormatException e) {
      throw new UsageException("Invalid TCP port: " + tcpPort);
    }
    if (port < 0 || port + count - 1 > 65535 || (port == 0 && count > 1)) {
      throw new UsageException("Invalid TCP port: " + tcpPort + " for " + count + " guest(s)");
    }
    return port;
  }

  @Override
  public Integer call() throws Exception {
    if (socket.printCapabilities()) {
      // QEMU runs --print-capabilities alone, often with no terminal: open no backend for it.
      return DaemonMain.serve(new Daemon(SPEC, socket, instance -> {
        throw new IllegalStateException("capabilities only");
      }));
    }
    int firstPort = validate();
    List<ConsolePort> ports = new ArrayList<>();
    HostTerminal terminal = new HostTerminal();
    // Every way out puts the terminal back: SIGTERM/SIGINT (System.exit runs hooks), an error
    // (the finally below) and the escape sequence (the backend restores before exiting).
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(terminal::restore));
    try {
      try {
        for (int i = 0; i < socket.socketCount(); i++) {
          ConsoleBackend b = backend == BackendType.nested
              ? new TerminalBackend(terminal, () -> Thread.ofPlatform().start(() -> System.exit(0)))
              : new TcpBackend(new InetSocketAddress(address(), firstPort == 0 ? 0 : firstPort + i));
          ConsolePort p = new ConsolePort(b);
          ports.add(p);
          b.start(p);
        }
      } catch (IOException e) {
        throw new IOException("Could not initialize console backend: " + e.getMessage(), e);
      }
      int queueSize = maxQueueSize;
      return DaemonMain.serve(new Daemon(SPEC, socket,
          instance -> new ConsoleDevice(ports.get(instance), queueSize)));
    } finally {
      ports.forEach(p -> p.backend().close());
      terminal.restore();
    }
  }

  private InetAddress address() throws UsageException {
    try {
      return InetAddress.getByName(tcpAddress);
    } catch (UnknownHostException e) {
      throw new UsageException("Invalid TCP address: " + tcpAddress);
    }
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new ConsoleMain(), args));
  }
}
