// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The network backend on a loopback port with real TCP clients. */
class TcpBackendTest {
  private TcpBackend backend;
  private ConsolePort port;
  private final AtomicInteger arrivals = new AtomicInteger();
  private final AtomicInteger rooms = new AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    backend = new TcpBackend(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
    port = new ConsolePort(backend, 16);
    port.attach(this, arrivals::incrementAndGet, rooms::incrementAndGet);
    backend.start(port);
  }

  @AfterEach
  void tearDown() {
    backend.close();
  }

  private Socket connect() throws Exception {
    Socket s = new Socket();
    s.connect(backend.localAddress(), 5000);
    s.setSoTimeout(10_000);
    await(backend::hasClient);
    return s;
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(5);
    }
  }

  private static byte[] readN(InputStream in, int n) throws Exception {
    return in.readNBytes(n);
  }

  @Test
  void listensOnLoopback() throws Exception {
    assertTrue(backend.localAddress().getAddress().isLoopbackAddress());
  }

  @Test
  void clientBytesReachTheInputRingAndWakeTheGuest() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(new byte[] {'h', 'i', (byte) 0xc3});
      await(() -> port.input().size() == 3);
      assertTrue(arrivals.get() >= 1);
      byte[] b = new byte[3];
      port.input().poll(b, 0, 3);
      assertArrayEquals(new byte[] {'h', 'i', (byte) 0xc3}, b);
    }
  }

  @Test
  void aFastTypistIsHeldBackNotDropped() throws Exception {
    try (Socket s = connect()) {
      byte[] data = new byte[40];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) i;
      }
      s.getOutputStream().write(data);
      byte[] got = new byte[40];
      int have = 0;
      while (have < 40) {
        int h = have;
        await(() -> port.input().size() > 0 || h == 40);
        have += port.input().poll(got, have, 40 - have);
        backend.inputDrained();
      }
      assertArrayEquals(data, got);
    }
  }

  @Test
  void guestOutputReachesTheClient() throws Exception {
    try (Socket s = connect()) {
      backend.write(new byte[] {'o', 'k', (byte) 0xfe}, 0, 3);
      assertArrayEquals(new byte[] {'o', 'k', (byte) 0xfe}, readN(s.getInputStream(), 3));
    }
  }

  @Test
  void outputWithoutAClientIsKeptBoundedAndSentOnConnect() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertTrue(backend.canAccept(8), "no client: the guest is never held back");
      backend.write("01234567".getBytes(), 0, 8);
    }
    assertEquals(48, backend.droppedOutput(), "80 bytes into 32: the oldest 48 dropped");
    try (Socket s = connect()) {
      assertEquals("0123456701234567012345670123456",
          new String(readN(s.getInputStream(), 31)));
    }
  }

  @Test
  void aConnectedClientMakesAFullBufferHoldTheGuest() throws Exception {
    try (Socket s = connect()) {
      s.setReceiveBufferSize(1024);
      // Fill the ring while the client does not read; eventually the kernel buffers are full.
      byte[] chunk = new byte[16];
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (backend.canAccept(16)) {
        backend.write(chunk, 0, 16);
        assertTrue(System.nanoTime() < deadline, "the buffer never filled");
      }
      assertFalse(backend.canAccept(16));
      int before = rooms.get();
      assertTrue(s.getInputStream().read(new byte[65536]) > 0);
      await(() -> rooms.get() > before);
    }
  }

  @Test
  void aNewClientReplacesTheOldOne() throws Exception {
    try (Socket a = connect(); Socket b = new Socket()) {
      b.connect(backend.localAddress(), 5000);
      b.setSoTimeout(10_000);
      assertEquals(-1, a.getInputStream().read(), "the first client is disconnected");
      backend.write(new byte[] {'b'}, 0, 1);
      assertEquals('b', b.getInputStream().read());
    }
  }

  @Test
  void aDisconnectedClientIsForgottenAndOutputIsKeptAgain() throws Exception {
    Socket s = connect();
    s.close();
    await(() -> !backend.hasClient());
    backend.write(new byte[] {'z'}, 0, 1);
    try (Socket t = connect()) {
      assertEquals('z', t.getInputStream().read());
    }
  }
}
