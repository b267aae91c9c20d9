// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.device.vsock.sys.HostSockets;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * Everything one VM keeps for the life of the daemon: its host listeners (the hybrid-vsock Unix
 * socket, or AF_VSOCK ports), the host event loop, its place in the sibling registry and its
 * sibling inbox. Each frontend session gets a fresh {@link VsockDevice}; starting one closes
 * every host connection of the previous session, whose guest is gone.
 */
final class VmBackend implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VmBackend.class);
  /** Tokens below this are listeners (index + 1); connections count up from here. */
  static final long FIRST_CONNECTION_TOKEN = 1L << 32;

  private final VmConfig config;
  private final SiblingRegistry registry;
  private final SiblingInbox inbox;
  private final HostEventLoop loop;
  private final List<OwnedFd> listeners;
  /** For AF_VSOCK listeners: the listen port of each; empty for the Unix backend. */
  private final List<Integer> listenPorts;
  private volatile VsockDevice current;
  private long sessions;

  private VmBackend(VmConfig config, SiblingRegistry registry, HostEventLoop loop,
      List<OwnedFd> listeners, List<Integer> listenPorts, int inboxCapacity) {
    this.config = config;
    this.registry = registry;
    this.loop = loop;
    this.listeners = listeners;
    this.listenPorts = listenPorts;
    this.inbox = new SiblingInbox(inboxCapacity);
  }

  /** Registers the CID, binds the listeners and starts the event loop; fails with the reason. */
  static VmBackend open(VmConfig config, SiblingRegistry registry) throws IOException,
      VmConfigException {
    return open(config, registry, SiblingInbox.DEFAULT_CAPACITY);
  }

  static VmBackend open(VmConfig config, SiblingRegistry registry, int inboxCapacity)
      throws IOException, VmConfigException {
    List<OwnedFd> listeners = new ArrayList<>();
    HostEventLoop loop = null;
    VmBackend vm = null;
    try {
      if (!config.forwarding()) {
        Path p = config.udsPath();
        Files.deleteIfExists(p);
        try {
          listeners.add(HostSockets.listenUnix(p));
        } catch (NativeException e) {
          throw new IOException("cannot listen on --uds-path " + p + ": " + e.getMessage(), e);
        }
      } else {
        for (int port : config.forwardListen()) {
          try {
            listeners.add(HostSockets.listenVsock(port));
          } catch (NativeException e) {
            throw new IOException("cannot listen on host vsock port "
                + Integer.toUnsignedString(port) + ": " + e.getMessage(), e);
          }
        }
      }
      loop = new HostEventLoop("vhu-vsock-cid-" + config.guestCid());
      for (int i = 0; i < listeners.size(); i++) {
        loop.add(listeners.get(i).fd(), HostEventLoop.EPOLLIN, i + 1);
      }
      vm = new VmBackend(config, registry, loop, listeners,
          config.forwarding() ? config.forwardListen() : List.of(), inboxCapacity);
      registry.register(vm);
      return vm;
    } catch (IOException | VmConfigException | RuntimeException e) {
      if (loop != null) {
        loop.close();
      }
      listeners.forEach(OwnedFd::close);
      if (!config.forwarding()) {
        try {
          Files.deleteIfExists(config.udsPath());
        } catch (IOException ignored) {
          // best effort: the error being thrown says what went wrong
        }
      }
      throw e;
    }
  }

  VmConfig config() {
    return config;
  }

  SiblingRegistry registry() {
    return registry;
  }

  SiblingInbox inbox() {
    return inbox;
  }

  HostEventLoop loop() {
    return loop;
  }

  int listenerCount() {
    return listeners.size();
  }

  int listenerFd(int index) {
    return listeners.get(index).fd();
  }

  /** The guest port an AF_VSOCK listener forwards to (its own port number). */
  int listenPort(int index) {
    return listenPorts.get(index);
  }

  /** A device for a new frontend session; the previous session's connections end here. */
  synchronized VsockDevice newSession() {
    VsockDevice old = current;
    if (old != null) {
      old.dropAllConnections("a new frontend connected");
    }
    loop.clear();
    inbox.clear();
    sessions++;
    VsockDevice d = new VsockDevice(this);
    current = d;
    for (int i = 0; i < listeners.size(); i++) {
      try {
        loop.rearm(listeners.get(i).fd(), HostEventLoop.EPOLLIN, i + 1);
      } catch (NativeException e) {
        LOG.error("vsock cid {}: cannot watch listener: {}", config.guestCid(), e.getMessage());
      }
    }
    return d;
  }

  long sessions() {
    return sessions;
  }

  VsockDevice current() {
    return current;
  }

  /** Wakes this VM's TX queue (a sibling drained its inbox and we may send again). */
  void wakeTx() {
    VsockDevice d = current;
    if (d != null) {
      d.wakeTx();
    }
  }

  /** True while this VM's guest can take packets (its RX queue runs). */
  boolean receiving() {
    VsockDevice d = current;
    return d != null && d.rxRunning();
  }

  @Override
  public synchronized void close() {
    registry.unregister(this);
    VsockDevice d = current;
    if (d != null) {
      d.dropAllConnections("the daemon is stopping");
    }
    loop.close();
    listeners.forEach(OwnedFd::close);
    if (!config.forwarding()) {
      try {
        Files.deleteIfExists(config.udsPath());
      } catch (IOException e) {
        LOG.warn("cannot remove {}: {}", config.udsPath(), e.getMessage());
      }
    }
  }
}
