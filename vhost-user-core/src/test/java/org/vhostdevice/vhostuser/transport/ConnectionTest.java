// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.VringFdRef;

/** Messages and fds between the two ends of a socketpair. */
class ConnectionTest {
  private static final int CALL = FrontendRequest.SET_VRING_CALL.code();
  private static final int KICK = FrontendRequest.SET_VRING_KICK.code();

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

  @Test
  void eventFdSurvivesTheRoundTrip() throws IOException {
    try (EventFd call = EventFd.create()) {
      frontend.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), call.fd());
      try (Message m = backend.receive(); EventFd received = EventFd.adopt(m.takeFd(0))) {
        received.signal();
      }
      assertEquals(1, call.read());
    }
  }

  @Test
  void sendLeavesTheCallersFdOpen() throws IOException {
    try (EventFd call = EventFd.create()) {
      frontend.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), call.fd());
      backend.receive().close();
      assertTrue(Fds.isOpen(call.fd()));
    }
  }

  @Test
  void backToBackMessagesKeepTheirOwnFds() throws IOException {
    try (EventFd kick = EventFd.create(); EventFd call = EventFd.create()) {
      frontend.send(KICK, Header.VERSION, new VringFdRef(0, false).encode(), kick.fd());
      frontend.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), call.fd());
      try (Message first = backend.receive(); Message second = backend.receive()) {
        assertEquals(KICK, first.code());
        assertEquals(1, first.fdCount());
        assertEquals(1, second.fdCount());
        try (EventFd a = EventFd.adopt(first.takeFd(0));
            EventFd b = EventFd.adopt(second.takeFd(0))) {
          a.write(1);
          b.write(2);
        }
      }
      assertEquals(1, kick.read());
      assertEquals(2, call.read());
    }
  }

  @Test
  void receivedFdsAreCloseOnExec() throws IOException {
    try (EventFd call = EventFd.create()) {
      frontend.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), call.fd());
      try (Message m = backend.receive(); OwnedFd fd = m.takeFd(0)) {
        assertTrue(OpenFds.isCloseOnExec(fd.fd()));
      }
    }
  }

  @Test
  void receivedFdsOutliveTheConnection() throws IOException {
    try (EventFd call = EventFd.create()) {
      frontend.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), call.fd());
      try (Message m = backend.receive(); OwnedFd fd = m.takeFd(0)) {
        backend.close();
        frontend.close();
        assertTrue(Fds.isOpen(fd.fd()));
      }
    }
  }

  /**
   * junixsocket closes, by number, every received fd it still thinks open when its socket
   * closes. An fd we closed ourselves must not be among them, or a reused number dies with it.
   */
  @Test
  void closingTheConnectionSparesAReusedFdNumber() throws IOException {
    try (EventFd call = EventFd.create()) {
      frontend.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), call.fd());
      try (Message m = backend.receive()) {
        m.takeFd(0).close();
      }
      try (EventFd reuser = EventFd.create()) {
        backend.close();
        assertTrue(Fds.isOpen(reuser.fd()));
      }
    }
  }

  @Test
  void hangUpBetweenMessagesIsNull() throws IOException {
    frontend.close();
    assertNull(backend.receive());
  }

  @Test
  void shutdownFromAnotherThreadEndsABlockedReceive() throws Exception {
    CompletableFuture<Message> pending = CompletableFuture.supplyAsync(() -> {
      try {
        return backend.receive();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(200);
    backend.shutdown();
    assertNull(pending.get(5, TimeUnit.SECONDS));
  }

  @Test
  void closeFromAnotherThreadEndsABlockedReceive() throws Exception {
    CompletableFuture<Message> pending = CompletableFuture.supplyAsync(() -> {
      try {
        return backend.receive();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(200);
    backend.close();
    assertNull(pending.get(5, TimeUnit.SECONDS));
  }

  /** A closed connection must not touch its old fd number, which may belong to something else. */
  @Test
  void sendAfterCloseFails() {
    backend.close();
    assertThrows(SocketException.class, () -> backend.sendAck(KICK, 0));
  }

  @Test
  void receiveAfterCloseFails() {
    backend.close();
    assertThrows(SocketException.class, () -> backend.receive());
  }

  @Test
  void shutdownIsSeenByThePeerAsHangUp() throws IOException {
    backend.shutdown();
    assertNull(frontend.receive());
  }

  @Test
  void receiveReplyAcceptsExactReplyFlags() throws IOException {
    backend.sendAck(KICK, 0);
    try (Message m = frontend.receiveReply(KICK)) {
      assertEquals(0, Payloads.decodeU64(m));
    }
  }

  @Test
  void receiveReplyRejectsRequestFlags() throws IOException {
    backend.send(KICK, Header.VERSION, Payloads.encodeU64(0));
    assertThrows(ProtocolException.class, () -> frontend.receiveReply(KICK));
  }

  @Test
  void receiveReplyRejectsNeedReplyOnAReply() throws IOException {
    backend.send(KICK, Header.REPLY_FLAGS | Header.NEED_REPLY, Payloads.encodeU64(0));
    assertThrows(ProtocolException.class, () -> frontend.receiveReply(KICK));
  }

  @Test
  void receiveReplyRejectsAnotherRequestsReply() throws IOException {
    backend.sendAck(CALL, 0);
    assertThrows(ProtocolException.class, () -> frontend.receiveReply(KICK));
  }

  @Test
  void receiveReplyTreatsHangUpAsEof() {
    backend.close();
    assertThrows(EOFException.class, () -> frontend.receiveReply(KICK));
  }
}
