// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Sockets;
import org.vhostdevice.vhostuser.device.DeviceFactory;

/**
 * The daemon every device runs: resolve where frontends come from (socket path, inherited fd or
 * systemd socket activation), bind everything up front so a bad path fails the start with a
 * clear message, then serve each socket on its own thread until SIGTERM.
 */
public final class Daemon {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  /** systemd passes activated sockets from fd 3 on (sd_listen_fds(3)). */
  private static final int SD_LISTEN_FDS_START = 3;

  private final DaemonSpec spec;
  private final SocketOptions options;
  private final DeviceFactory factory;
  private final Map<String, String> environment;
  /** Socket paths chosen by the device's own options (one per guest), or null. */
  private final List<Path> explicitPaths;
  private final List<SocketServer> servers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  public Daemon(DaemonSpec spec, SocketOptions options, DeviceFactory factory) {
    this(spec, options, factory, System.getenv());
  }

  Daemon(DaemonSpec spec, SocketOptions options, DeviceFactory factory, Map<String, String> env) {
    this(spec, options, null, factory, env);
  }

  private Daemon(DaemonSpec spec, SocketOptions options, List<Path> paths, DeviceFactory factory,
      Map<String, String> env) {
    this.spec = spec;
    this.options = options;
    this.explicitPaths = paths == null ? null : List.copyOf(paths);
    this.factory = factory;
    this.environment = env;
  }

  /**
   * A daemon serving one socket per entry of {@code socketPaths}, for devices whose own options
   * name each guest's socket (vsock's {@code --vm socket=...}). Socket {@code i} is instance
   * {@code i} of {@code factory}. {@code options} still supplies logging and
   * --print-capabilities; its own socket options must be unset.
   */
  public static Daemon withSocketPaths(DaemonSpec spec, SocketOptions options,
      List<Path> socketPaths, DeviceFactory factory) {
    return new Daemon(spec, options, socketPaths, factory, System.getenv());
  }

  /**
   * Runs the daemon; returns the exit status once every socket is done (an inherited connected
   * socket is served once; listening ones are served until {@link #stop()}).
   */
  public int run(PrintStream out) throws UsageException, IOException, InterruptedException {
    Logging.configure(options.logLevel, options.verbose.length);
    if (options.printCapabilities) {
      out.println(spec.capabilitiesJson());
      return 0;
    }
    start();
    for (Thread t : threads) {
      t.join();
    }
    return 0;
  }

  /** Binds every endpoint and starts serving; for tests and for {@link #run}. */
  public synchronized void start() throws UsageException, IOException {
    List<SocketEndpoint> endpoints = resolveEndpoints();
    for (int i = 0; i < endpoints.size(); i++) {
      SocketServer server = new SocketServer(spec.name(), endpoints.get(i), factory, i);
      servers.add(server);
      Thread t = Thread.ofPlatform().name("vhost-" + spec.name() + "-socket" + i).unstarted(server);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  private List<SocketEndpoint> resolveEndpoints() throws UsageException, IOException {
    if (explicitPaths != null) {
      return bindAll(explicitPaths);
    }
    int count = options.socketCount();
    if (count < 1) {
      throw new UsageException("Wrong socket count: " + count);
    }
    if (options.socketPath != null && options.socketFd != null) {
      throw new UsageException("--socket-path and --socket-fd cannot be used together");
    }
    List<SocketEndpoint> endpoints = new ArrayList<>();
    try {
      if (options.socketPath != null) {
        for (int i = 0; i < count; i++) {
          endpoints.add(SocketEndpoint.bind(socketPath(options.socketPath, i)));
        }
      } else if (options.socketFd != null) {
        if (count != 1) {
          throw new UsageException("--socket-fd serves one socket; drop --socket-count");
        }
        endpoints.add(SocketEndpoint.inherit(options.socketFd));
      } else {
        int activated = activatedSockets();
        if (activated == 0) {
          throw new UsageException(
              "one of --socket-path or --socket-fd is required (or systemd socket activation)");
        }
        for (int i = 0; i < activated; i++) {
          endpoints.add(SocketEndpoint.inherit(SD_LISTEN_FDS_START + i));
        }
      }
    } catch (UsageException | IOException | RuntimeException e) {
      endpoints.forEach(SocketEndpoint::close);
      throw e;
    }
    return endpoints;
  }

  private static List<SocketEndpoint> bindAll(List<Path> paths) throws UsageException, IOException {
    if (paths.isEmpty()) {
      throw new UsageException("no socket to serve");
    }
    List<SocketEndpoint> endpoints = new ArrayList<>();
    try {
      for (Path p : paths) {
        endpoints.add(SocketEndpoint.bind(p));
      }
    } catch (IOException | RuntimeException e) {
      endpoints.forEach(SocketEndpoint::close);
      throw e;
    }
    return endpoints;
  }

  private Path socketPath(Path base, int index) {
    if (!options.indexedPaths()) {
      return base;
    }
    return base.resolveSibling(base.getFileName().toString() + index);
  }

  /** LISTEN_FDS, honoured only when LISTEN_PID names this process (sd_listen_fds semantics). */
  private int activatedSockets() throws UsageException {
    String fds = environment.get("LISTEN_FDS");
    String pid = environment.get("LISTEN_PID");
    if (fds == null || pid == null) {
      return 0;
    }
    try {
      if (Integer.parseInt(pid.trim()) != Sockets.getpid()) {
        return 0;
      }
      return Integer.parseInt(fds.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("malformed LISTEN_FDS/LISTEN_PID: " + fds + "/" + pid);
    }
  }

  /** Stops every socket and waits for the serving threads to finish their cleanup. */
  public void stop() {
    synchronized (this) {
      servers.forEach(SocketServer::stop);
    }
    for (Thread t : threads) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    LOG.debug("{}: stopped", spec.name());
  }
}
