// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.testing.NullDevice;
import org.vhostdevice.vhostuser.transport.Connection;
import org.vhostdevice.vhostuser.transport.SocketPair;

/** --socket-fd with an already connected socket (crosvm's convention): served once, then done. */
class DaemonSocketFdTest {
  @Test
  void connectedFdIsServedOnceAndClosedAfterwards() throws Exception {
    OwnedFd[] pair = SocketPair.open();
    int backendFd = pair[1].release();
    SocketOptions o = new SocketOptions();
    o.socketFd = backendFd;
    Daemon daemon =
        new Daemon(new DaemonSpec("null", "test"), o, i -> new NullDevice(1, 256),
            Map.of());
    daemon.start();
    try (Connection front = Connection.adopt(pair[0])) {
      front.send(FrontendRequest.GET_FEATURES.code(), Header.VERSION, new byte[0]);
      try (Message m = front.receiveReply(FrontendRequest.GET_FEATURES.code())) {
        assertEquals(VirtioDevice.COMMON_FEATURES, Payloads.decodeU64(m));
      }
    }
    daemon.stop();
    assertFalse(Fds.isOpen(backendFd) && isSocket(backendFd),
        "the inherited socket must be closed once its session ends");
  }

  private static boolean isSocket(int fd) {
    try {
      return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd))
          .toString().startsWith("socket:");
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
