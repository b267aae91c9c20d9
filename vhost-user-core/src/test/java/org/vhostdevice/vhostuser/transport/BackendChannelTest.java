// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.protocol.BackendRequest;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.ProtocolException;

/** The backend channel: one end of a socketpair, sent with SET_BACKEND_REQ_FD and adopted. */
class BackendChannelTest {
  private static final int SET_BACKEND_REQ_FD = FrontendRequest.SET_BACKEND_REQ_FD.code();
  private static final int CONFIG_CHANGE = BackendRequest.CONFIG_CHANGE_MSG.code();

  private Connection frontend;
  private Connection backend;

  @BeforeEach
  void open() throws IOException {
    Connection[] pair = Connection.pair();
    frontend = pair[0];
    backend = pair[1];
  }

  @AfterEach
  void close() {
    frontend.close();
    backend.close();
  }

  /** Sends a new channel's far end as the frontend does, closing the local copy of it. */
  private OwnedFd sendChannel(OwnedFd[] channel) throws IOException {
    try (OwnedFd sent = channel[1]) {
      frontend.send(SET_BACKEND_REQ_FD, Header.VERSION | Header.NEED_REPLY, new byte[0],
          sent.fd());
    }
    try (Message m = backend.receive()) {
      return m.takeFd(0);
    }
  }

  @Test
  void adoptedChannelCarriesBackendRequests() throws IOException {
    OwnedFd[] channel = SocketPair.open();
    try (Connection frontendChannel = Connection.adopt(channel[0]);
        Connection backendChannel = Connection.adopt(sendChannel(channel))) {
      backendChannel.send(CONFIG_CHANGE, Header.VERSION | Header.NEED_REPLY, new byte[0]);
      try (Message m = frontendChannel.receive()) {
        assertEquals(BackendRequest.CONFIG_CHANGE_MSG, BackendRequest.of(m.code()));
      }
      frontendChannel.sendAck(CONFIG_CHANGE, 0);
      try (Message ack = backendChannel.receiveReply(CONFIG_CHANGE)) {
        assertEquals(0, ack.payload().getLong(0));
      }
    }
  }

  @Test
  void closingAnAdoptedChannelClosesItsFd() throws IOException {
    OwnedFd[] channel = SocketPair.open();
    OwnedFd received = sendChannel(channel);
    int number = received.fd();
    Connection.adopt(received).close();
    channel[0].close();
    assertTrue(received.isClosed());
    assertFalse(Fds.isOpen(number));
  }

  @Test
  void adoptRefusesAnFdThatIsNotASocket() throws IOException {
    try (EventFd e = EventFd.create(); OwnedFd fd = new OwnedFd(Fds.dup(e.fd()))) {
      assertThrows(ProtocolException.class, () -> Connection.adopt(fd));
      assertTrue(Fds.isOpen(fd.fd()));
    }
  }
}
