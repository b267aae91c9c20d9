// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.vhostuser.backend.BackendSession;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.device.DeviceFactory;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * Serves one endpoint for the life of the daemon: accept a frontend, run a session with a fresh
 * device until it disconnects or breaks the protocol, then accept the next one. A failed session
 * never ends the loop; only closing the endpoint does.
 */
final class SocketServer implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(SocketServer.class);
  private static final long ACCEPT_RETRY_MS = 100;

  private final String name;
  private final SocketEndpoint endpoint;
  private final DeviceFactory factory;
  private final int instance;
  private volatile boolean stopping;
  private volatile Connection current;

  SocketServer(String name, SocketEndpoint endpoint, DeviceFactory factory, int instance) {
    this.name = name;
    this.endpoint = endpoint;
    this.factory = factory;
    this.instance = instance;
  }

  @Override
  public void run() {
    LOG.info("{}: listening on {}", name, endpoint);
    while (!stopping) {
      Connection connection;
      try {
        connection = endpoint.accept();
      } catch (IOException e) {
        if (stopping) {
          break;
        }
        // EMFILE and friends: wait a little instead of spinning on accept().
        LOG.error("{}: accept on {} failed: {}", name, endpoint, e.getMessage());
        sleepQuietly();
        continue;
      }
      if (connection == null) {
        break;
      }
      serve(connection);
    }
  }

  private void serve(Connection connection) {
    LOG.info("{}: frontend connected on {}", name, endpoint);
    current = connection;
    VirtioDevice device = null;
    try {
      device = factory.create(instance);
      BackendSession session = new BackendSession(device, connection);
      session.serve();
    } catch (IOException | RuntimeException e) {
      if (!stopping) {
        LOG.warn("{}: session on {} ended: {}", name, endpoint, e.getMessage());
      }
    } finally {
      current = null;
      connection.close();
      if (device != null) {
        closeDevice(device);
      }
    }
  }

  /** The session is over (its queues stopped): the device releases what it held for it. */
  private void closeDevice(VirtioDevice device) {
    try {
      device.close();
    } catch (RuntimeException e) {
      LOG.warn("{}: device did not close cleanly: {}", name, e.toString());
    }
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(ACCEPT_RETRY_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops accepting and ends the current session (its cleanup runs on the serving thread). */
  void stop() {
    stopping = true;
    Connection c = current;
    if (c != null) {
      c.shutdown();
    }
    endpoint.close();
  }
}
