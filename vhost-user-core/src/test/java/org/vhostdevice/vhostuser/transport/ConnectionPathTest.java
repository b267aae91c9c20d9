// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.VringFdRef;

/** A frontend connecting to a backend listening on a socket path, as QEMU does. */
class ConnectionPathTest {
  private static final int KICK = FrontendRequest.SET_VRING_KICK.code();

  @TempDir
  Path dir;

  private static AFUNIXServerSocket listen(Path path) throws IOException {
    AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
    server.bind(AFUNIXSocketAddress.of(path));
    return server;
  }

  @Test
  void fdsCrossARealSocketPath() throws IOException {
    Path path = dir.resolve("backend.sock");
    try (AFUNIXServerSocket server = listen(path);
        Connection frontend = Connection.connect(path);
        Connection backend = Connection.of(server.accept());
        EventFd kick = EventFd.create()) {
      frontend.send(KICK, Header.VERSION, new VringFdRef(0, false).encode(), kick.fd());
      try (Message m = backend.receive(); EventFd received = EventFd.adopt(m.takeFd(0))) {
        received.signal();
      }
      assertEquals(1, kick.read());
    }
  }

  @Test
  void repliesCrossARealSocketPath() throws IOException {
    Path path = dir.resolve("backend.sock");
    try (AFUNIXServerSocket server = listen(path);
        Connection frontend = Connection.connect(path);
        Connection backend = Connection.of(server.accept())) {
      backend.sendAck(KICK, 1);
      try (Message m = frontend.receiveReply(KICK)) {
        assertEquals(1, m.payload().getLong(0));
      }
    }
  }

  @Test
  void hangUpOverAPathIsNull() throws IOException {
    Path path = dir.resolve("backend.sock");
    try (AFUNIXServerSocket server = listen(path)) {
      Connection frontend = Connection.connect(path);
      try (Connection backend = Connection.of(server.accept())) {
        frontend.close();
        assertNull(backend.receive());
      }
    }
  }

  /** java.net.Socket refuses to shut down an accepted junixsocket socket; shutdown() must not. */
  @Test
  void shutdownEndsABlockedReceiveOnAnAcceptedSocket() throws Exception {
    Path path = dir.resolve("backend.sock");
    try (AFUNIXServerSocket server = listen(path);
        Connection frontend = Connection.connect(path);
        Connection backend = Connection.of(server.accept())) {
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
      assertNull(frontend.receive());
    }
  }

  @Test
  void connectWaitsForABackendThatIsStillStarting() throws Exception {
    Path path = dir.resolve("late.sock");
    CompletableFuture<Connection> connecting = CompletableFuture.supplyAsync(() -> {
      try {
        return Connection.connect(path);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(300);
    try (AFUNIXServerSocket server = listen(path);
        Connection frontend = connecting.get(5, TimeUnit.SECONDS);
        Connection backend = Connection.of(server.accept())) {
      frontend.sendAck(KICK, 0);
      assertEquals(KICK, backend.receive().code());
    }
  }

  @Test
  void connectGivesUpAfterAboutASecond() {
    long start = System.nanoTime();
    assertThrows(SocketException.class, () -> Connection.connect(dir.resolve("never.sock")));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms >= 500 && ms < 5000, "gave up after " + ms + " ms");
  }
}
