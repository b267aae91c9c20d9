// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import java.io.IOException;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.device.DeviceException;
import org.vhostdevice.vhostuser.protocol.ConfigSpace;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;

/** GET_CONFIG, SET_CONFIG, SET_BACKEND_REQ_FD, GPU_SET_SOCKET and RESET_DEVICE. */
final class DeviceRequests implements AutoCloseable {
  private final BackendSession session;
  private OwnedFd backendChannel;

  DeviceRequests(BackendSession session) {
    this.session = session;
  }

  void handle(FrontendRequest request, Message m) throws IOException, RequestRefusedException {
    switch (request) {
      case GET_CONFIG -> {
        session.requireProtocolFeature(request, ProtocolFeatures.CONFIG);
        getConfig(ConfigSpace.decode(m), m.code());
      }
      case SET_CONFIG -> {
        session.requireProtocolFeature(request, ProtocolFeatures.CONFIG);
        setConfig(ConfigSpace.decode(m));
      }
      case SET_BACKEND_REQ_FD -> {
        session.requireProtocolFeature(request, ProtocolFeatures.BACKEND_REQ);
        if (m.fdCount() != 1) {
          throw new ProtocolException("SET_BACKEND_REQ_FD needs exactly one fd");
        }
        if (backendChannel != null) {
          backendChannel.close();
        }
        backendChannel = m.takeFd(0);
      }
      case GPU_SET_SOCKET -> {
        if (m.fdCount() != 1) {
          throw new ProtocolException("GPU_SET_SOCKET needs exactly one fd");
        }
        try {
          session.device.gpuSocket(m.takeFd(0));
        } catch (DeviceException e) {
          throw new RequestRefusedException(e.getMessage());
        }
      }
      case RESET_DEVICE -> {
        session.requireProtocolFeature(request, ProtocolFeatures.RESET_DEVICE);
        resetDevice();
      }
      default -> throw new IllegalArgumentException(request.name());
    }
  }

  private boolean inBounds(ConfigSpace c) {
    long end = Integer.toUnsignedLong(c.offset()) + Integer.toUnsignedLong(c.size());
    return end <= session.device.configSize();
  }

  /**
   * Reads config space. An out-of-range read is answered with size 0, the protocol's way of
   * saying "failed" for a request that always gets a reply.
   */
  private void getConfig(ConfigSpace c, int code) throws IOException {
    if (!inBounds(c)) {
      session.connection.sendReply(
          code, new ConfigSpace(c.offset(), 0, c.flags(), new byte[0]).encode());
      return;
    }
    byte[] data = new byte[c.size()];
    session.device.readConfig(c.offset(), data);
    session.connection.sendReply(
        code, new ConfigSpace(c.offset(), c.size(), c.flags(), data).encode());
  }

  private void setConfig(ConfigSpace c) throws RequestRefusedException {
    if (!inBounds(c)) {
      throw new RequestRefusedException(String.format(
          "SET_CONFIG at %d+%d is outside the %d-byte config space",
          c.offset(), c.size(), session.device.configSize()));
    }
    try {
      session.device.writeConfig(c.offset(), c.data());
    } catch (DeviceException e) {
      throw new RequestRefusedException(e.getMessage());
    }
  }

  /** Disables every ring and returns the device to its initial state; memory and rings stay. */
  private void resetDevice() throws NativeException {
    for (Vring v : session.vrings) {
      v.lock.lock();
      try {
        v.enabled = false;
        session.updateActivity(v);
      } finally {
        v.lock.unlock();
      }
    }
    session.ackedFeatures = 0;
    session.device.reset();
  }

  @Override
  public void close() {
    if (backendChannel != null) {
      backendChannel.close();
      backendChannel = null;
    }
  }
}
