// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.RequestValidator;
import org.vhostdevice.vhostuser.protocol.VringFdRef;

/**
 * Counts /proc/self/fd around many rounds of every path that handles received fds. A leak of one
 * fd per round shows as a difference of {@link #ROUNDS}; one warm-up round first lets the JVM open
 * whatever it opens lazily.
 */
class FdLeakTest {
  private static final int ROUNDS = 20;
  private static final int CALL = FrontendRequest.SET_VRING_CALL.code();
  private static final int SET_FEATURES = FrontendRequest.SET_FEATURES.code();

  private interface Round {
    void run() throws Exception;
  }

  private static void assertNoLeak(Round round) throws Exception {
    assertNoLeak(ROUNDS, round);
  }

  private static void assertNoLeak(int rounds, Round round) throws Exception {
    round.run();
    long before = OpenFds.count();
    for (int i = 0; i < rounds; i++) {
      round.run();
    }
    assertEquals(before, OpenFds.count());
  }

  @Test
  void roundTripsWithTakenFds() throws Exception {
    assertNoLeak(() -> {
      Connection[] pair = Connection.pair();
      try (Connection a = pair[0]; Connection b = pair[1]; EventFd e = EventFd.create()) {
        a.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), e.fd());
        try (Message m = b.receive(); EventFd got = EventFd.adopt(m.takeFd(0))) {
          got.signal();
        }
      }
    });
  }

  @Test
  void messagesClosedWithoutTakingTheirFds() throws Exception {
    assertNoLeak(() -> {
      Connection[] pair = Connection.pair();
      try (Connection a = pair[0]; Connection b = pair[1]; EventFd e = EventFd.create()) {
        a.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), e.fd(), e.fd(), e.fd());
        b.receive().close();
      }
    });
  }

  @Test
  void requestsRejectedByTheValidator() throws Exception {
    assertNoLeak(() -> {
      Connection[] pair = Connection.pair();
      try (Connection a = pair[0]; Connection b = pair[1]; EventFd e = EventFd.create()) {
        a.send(SET_FEATURES, Header.VERSION, new byte[8], e.fd());
        Message m = b.receive();
        assertThrows(ProtocolException.class, () -> RequestValidator.validate(m));
      }
    });
  }

  @Test
  void headersRejectedByTheTransport() throws Exception {
    assertNoLeak(() -> {
      Connection[] pair = Connection.pair();
      try (Connection a = pair[0]; Connection b = pair[1]; EventFd e = EventFd.create()) {
        a.send(SET_FEATURES, 0x3, new byte[8], e.fd());
        assertThrows(ProtocolException.class, b::receive);
      }
    });
  }

  @Test
  void connectionsClosedWithFdsStillQueued() throws Exception {
    assertNoLeak(() -> {
      Connection[] pair = Connection.pair();
      try (EventFd e = EventFd.create()) {
        pair[0].send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), e.fd());
      } finally {
        // The receiving end goes with the fd still in its queue, never read.
        pair[1].close();
        pair[0].close();
      }
    });
  }

  @Test
  void connectionsOverASocketPath(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("backend.sock");
    try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
      server.bind(AFUNIXSocketAddress.of(path));
      assertNoLeak(() -> {
        try (Connection frontend = Connection.connect(path);
            Connection backend = Connection.of(server.accept());
            EventFd e = EventFd.create()) {
          frontend.send(CALL, Header.VERSION, new VringFdRef(0, false).encode(), e.fd());
          backend.receive().close();
        }
      });
    }
  }

  /** Each round is ten failed attempts over about a second, so two rounds are plenty. */
  @Test
  @Tag("slow")
  void connectAttemptsThatFindNoBackend(@TempDir Path dir) throws Exception {
    assertNoLeak(2, () -> assertThrows(IOException.class,
        () -> Connection.connect(dir.resolve("nobody.sock"))));
  }

  @Test
  void peersHangingUpMidMessage() throws Exception {
    assertNoLeak(() -> {
      try (RawPeer.Ends ends = RawPeer.open(); EventFd e = EventFd.create()) {
        ends.peer().write(Header.encode(CALL, Header.VERSION, 8), e.fd());
        ends.peer().close();
        assertThrows(IOException.class, () -> ends.connection().receive());
      }
    });
  }
}
