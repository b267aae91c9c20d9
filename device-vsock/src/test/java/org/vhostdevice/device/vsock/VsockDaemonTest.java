// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.vsock.PacketHeader.OP_CREDIT_REQUEST;
import static org.vhostdevice.device.vsock.PacketHeader.OP_CREDIT_UPDATE;
import static org.vhostdevice.device.vsock.PacketHeader.OP_REQUEST;
import static org.vhostdevice.device.vsock.PacketHeader.OP_RESPONSE;
import static org.vhostdevice.device.vsock.PacketHeader.OP_RST;
import static org.vhostdevice.device.vsock.PacketHeader.OP_RW;
import static org.vhostdevice.device.vsock.PacketHeader.OP_SHUTDOWN;

import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.vsock.TestGuest.Packet;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import picocli.CommandLine;

/** The daemon on real sockets, driven by the Java frontend as the guest and JDK Unix sockets as host programs. */
class VsockDaemonTest {
  static final long CID = 3;
  static final int GUEST_BUF = 262144;

  @TempDir Path dir;
  private VsockService service;
  private Daemon daemon;
  private final List<AutoCloseable> closeMe = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeMe) {
      c.close();
    }
    if (daemon != null) {
      daemon.stop();
    }
    if (service != null) {
      service.close();
    }
  }

  private void startDaemon(String... vms) throws Exception {
    List<VmConfig> configs = new ArrayList<>();
    for (String vm : vms) {
      configs.add(VmArgument.parse(vm.replace("$D", dir.toString())));
    }
    service = VsockService.open(configs);
    SocketOptions opts = new SocketOptions();
    new CommandLine(opts).parseArgs("--log-level", "warn");
    daemon = Daemon.withSocketPaths(VsockMain.SPEC, opts, service.socketPaths(), service.factory());
    daemon.start();
  }

  private TestGuest guest(String socket, long cid) throws Exception {
    TestGuest g = TestGuest.start(dir.resolve(socket), cid, 32);
    closeMe.add(0, g);
    return g;
  }

  private SocketChannel hostConnect(String path) throws Exception {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(dir.resolve(path)));
    closeMe.add(ch);
    return ch;
  }

  private ServerSocketChannel hostListen(String path) throws Exception {
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    s.bind(UnixDomainSocketAddress.of(dir.resolve(path)));
    closeMe.add(s);
    return s;
  }

  private static void write(SocketChannel ch, byte[] data) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static byte[] readN(SocketChannel ch, int n) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        break;
      }
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  private static byte[] readToEof(SocketChannel ch) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer b = ByteBuffer.allocate(65536);
    while (ch.read(b) >= 0) {
      out.write(b.array(), 0, b.position());
      b.clear();
    }
    return out.toByteArray();
  }

  private static Packet op(TestGuest g, int srcPort, int dstPort, int op, int flags, byte[] data) {
    return Packet.of(g.cid, srcPort, PacketHeader.HOST_CID, dstPort, op, flags, GUEST_BUF, 0, data);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Host connects with CONNECT, guest answers; returns the host channel and the REQUEST seen. */
  private Object[] hostInitiated(TestGuest g, String extra) throws Exception {
    SocketChannel host = hostConnect("vm.vsock");
    write(host, bytes("CONNECT 1234\n" + extra));
    Packet req = g.expect(5000);
    assertEquals(OP_REQUEST, req.op(), req.toString());
    assertEquals(PacketHeader.HOST_CID, req.srcCid());
    assertEquals(CID, req.dstCid());
    assertEquals(1234, req.dstPort());
    assertEquals(65536, req.bufAlloc());
    g.send(op(g, 1234, req.srcPort(), OP_RESPONSE, 0, new byte[0]));
    assertEquals("OK 1234\n", new String(readN(host, 8), StandardCharsets.US_ASCII));
    return new Object[] {host, req};
  }

  @Test
  void configSpaceHoldsTheGuestCid() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock,guest-cid=42");
    TestGuest g = guest("vm.sock", 42);
    assertEquals(42, ByteBuffer.wrap(g.config()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
  }

  @Test
  void hostConnectsWithConnectLineAndBytesSentWithItReachTheGuest() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = guest("vm.sock", CID);
    Object[] c = hostInitiated(g, "early");
    SocketChannel host = (SocketChannel) c[0];
    Packet req = (Packet) c[1];
    Packet data = g.expect(5000);
    assertEquals(OP_RW, data.op(), data.toString());
    assertArrayEquals(bytes("early"), data.payload());
    write(host, bytes("more"));
    assertArrayEquals(bytes("more"), g.expect(5000).payload());
    g.send(op(g, 1234, req.srcPort(), OP_RW, 0, bytes("from guest")));
    assertArrayEquals(bytes("from guest"), readN(host, 10));
  }

  @Test
  void guestConnectsToTheHostListenerAtUdsPathUnderscorePort() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    ServerSocketChannel listener = hostListen("vm.vsock_5000");
    TestGuest g = guest("vm.sock", CID);
    g.send(op(g, 40000, 5000, OP_REQUEST, 0, new byte[0]));
    Packet resp = g.expect(5000);
    assertEquals(OP_RESPONSE, resp.op(), resp.toString());
    assertEquals(5000, resp.srcPort());
    assertEquals(40000, resp.dstPort());
    SocketChannel host = listener.accept();
    closeMe.add(host);
    g.send(op(g, 40000, 5000, OP_RW, 0, bytes("ping")));
    assertArrayEquals(bytes("ping"), readN(host, 4));
    write(host, bytes("pong"));
    Packet back = g.expect(5000);
    assertEquals(OP_RW, back.op());
    assertArrayEquals(bytes("pong"), back.payload());
  }

  @Test
  void aFailedGuestConnectIsAnsweredWithRst() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = guest("vm.sock", CID);
    g.send(op(g, 40001, 6000, OP_REQUEST, 0, new byte[0]));
    Packet rst = g.expect(5000);
    assertEquals(OP_RST, rst.op(), rst.toString());
    assertEquals(6000, rst.srcPort());
    assertEquals(40001, rst.dstPort());
  }

  @Test
  void aPacketForAnUnknownConnectionIsAnsweredWithRst() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = guest("vm.sock", CID);
    g.send(op(g, 40002, 7000, OP_RW, 0, bytes("lost?")));
    Packet rst = g.expect(5000);
    assertEquals(OP_RST, rst.op(), rst.toString());
    // An RST for nothing gets nothing back (no RST storm).
    g.send(op(g, 40002, 7000, OP_RST, 0, new byte[0]));
    assertNull(g.recv(300));
  }

  @Test
  void halfCloseWorksInBothDirections() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = guest("vm.sock", CID);
    Object[] c = hostInitiated(g, "");
    SocketChannel host = (SocketChannel) c[0];
    int local = ((Packet) c[1]).srcPort();
    g.send(op(g, 1234, local, OP_RW, 0, bytes("last words")));
    g.send(op(g, 1234, local, OP_SHUTDOWN, PacketHeader.SHUTDOWN_SEND, new byte[0]));
    assertArrayEquals(bytes("last words"), readToEof(host), "host reads the data, then EOF");
    write(host, bytes("reply after EOF"));
    Packet p = g.expect(5000);
    assertEquals(OP_RW, p.op());
    assertArrayEquals(bytes("reply after EOF"), p.payload());
    host.shutdownOutput();
    Packet shut = g.expect(5000);
    assertEquals(OP_SHUTDOWN, shut.op(), shut.toString());
    assertEquals(PacketHeader.SHUTDOWN_SEND, shut.flags(), "only the host's sending side closed");
    g.send(op(g, 1234, local, OP_SHUTDOWN, PacketHeader.SHUTDOWN_BOTH, new byte[0]));
    assertEquals(OP_RST, g.expect(5000).op(), "full close is confirmed with RST");
  }

  @Test
  void writingToAClosedHostProgramResetsTheConnection() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    ServerSocketChannel listener = hostListen("vm.vsock_5001");
    TestGuest g = guest("vm.sock", CID);
    g.send(op(g, 40003, 5001, OP_REQUEST, 0, new byte[0]));
    assertEquals(OP_RESPONSE, g.expect(5000).op());
    listener.accept().close();
    Packet shut = g.expect(5000);
    assertEquals(OP_SHUTDOWN, shut.op());
    Packet p = null;
    for (int i = 0; i < 20 && (p == null || p.op() != OP_RST); i++) {
      g.send(op(g, 40003, 5001, OP_RW, 0, bytes("anyone?")));
      p = g.recv(200);
    }
    assertNotNull(p);
    assertEquals(OP_RST, p.op());
  }

  @Test
  void hostDataWaitsForGuestCreditAndNothingIsLost() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    ServerSocketChannel listener = hostListen("vm.vsock_5002");
    TestGuest g = guest("vm.sock", CID);
    // The guest offers only 1000 bytes of buffer.
    g.send(Packet.of(CID, 40004, 2, 5002, OP_REQUEST, 0, 1000, 0, new byte[0]));
    assertEquals(OP_RESPONSE, g.expect(5000).op());
    SocketChannel host = listener.accept();
    closeMe.add(host);
    byte[] data = new byte[5000];
    new Random(1).nextBytes(data);
    write(host, data);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    int fwd = 0;
    while (got.size() < data.length) {
      Packet p = g.expect(5000);
      if (p.op() == OP_RW) {
        got.write(p.payload());
        assertTrue(got.size() - fwd <= 1000, "the device exceeded the guest's credit");
      } else {
        assertEquals(OP_CREDIT_REQUEST, p.op(), p.toString());
        fwd = got.size();
        g.send(Packet.of(CID, 40004, 2, 5002, OP_CREDIT_UPDATE, 0, 1000, fwd, new byte[0]));
      }
    }
    assertArrayEquals(data, got.toByteArray());
  }

  @Test
  void aGuestThatIgnoresCreditIsHeldInTheRingNotDropped() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock,tx-buffer-size=65536");
    ServerSocketChannel listener = hostListen("vm.vsock_5003");
    TestGuest g = guest("vm.sock", CID);
    g.send(op(g, 40005, 5003, OP_REQUEST, 0, new byte[0]));
    assertEquals(OP_RESPONSE, g.expect(5000).op());
    SocketChannel host = listener.accept();
    closeMe.add(host);
    // 2 MiB without waiting for credit: far more than the socket and the buffer hold.
    Random r = new Random(2);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (int i = 0; i < 32; i++) {
      byte[] chunk = new byte[65536];
      r.nextBytes(chunk);
      sent.write(chunk);
      g.sendRaw(op(g, 40005, 5003, OP_RW, 0, chunk).encode());
    }
    byte[] got = readN(host, sent.size());
    assertArrayEquals(sent.toByteArray(), got);
    int used = 0;
    while (g.awaitTx(5000) != null && ++used < 32) {
      // every packet comes back
    }
    assertEquals(32, used);
  }

  @Test
  void aMalformedTxChainComesBackWithLengthZeroAndServiceGoesOn() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = guest("vm.sock", CID);
    g.sendRaw(new byte[10]);
    var used = g.awaitTx(5000);
    assertNotNull(used, "a short chain is returned, not leaked");
    assertEquals(0, used.len());
    g.send(op(g, 40006, 6001, OP_REQUEST, 0, new byte[0]));
    assertEquals(OP_RST, g.expect(5000).op());
  }

  @Test
  void aMalformedConnectLineClosesTheHostSocket() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = guest("vm.sock", CID);
    SocketChannel host = hostConnect("vm.vsock");
    write(host, bytes("HELLO 1234\n"));
    assertEquals(0, readToEof(host).length);
    assertNull(g.recv(200), "the guest hears nothing");
  }

  @Test
  void aReconnectingFrontendGetsTransportResetAndOldConnectionsAreClosed() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = TestGuest.start(dir.resolve("vm.sock"), CID, 8);
    Object[] c = hostInitiated(g, "");
    SocketChannel host = (SocketChannel) c[0];
    assertEquals(VsockDevice.EVENT_TRANSPORT_RESET, g.awaitEvent(5000));
    g.close();
    TestGuest again = guest("vm.sock", CID);
    assertEquals(VsockDevice.EVENT_TRANSPORT_RESET, again.awaitEvent(5000));
    assertEquals(0, readToEof(host).length, "the old connection ends at the new session");
  }

  @Test
  void siblingVmsInOneGroupTalkAndOthersGetRst() throws Exception {
    startDaemon("socket=$D/a.sock,uds-path=$D/a.vsock,guest-cid=3,groups=g1+g2",
        "socket=$D/b.sock,uds-path=$D/b.vsock,guest-cid=4,groups=g2",
        "socket=$D/c.sock,uds-path=$D/c.vsock,guest-cid=5,groups=other");
    TestGuest a = guest("a.sock", 3);
    TestGuest b = guest("b.sock", 4);
    TestGuest c = guest("c.sock", 5);
    byte[] payload = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE};
    a.send(Packet.of(3, 50000, 4, 6000, OP_REQUEST, 0, GUEST_BUF, 0, new byte[0]));
    Packet req = b.expect(5000);
    assertEquals(OP_REQUEST, req.op());
    assertEquals(3, req.srcCid());
    assertEquals(4, req.dstCid());
    b.send(Packet.of(4, 6000, 3, 50000, OP_RESPONSE, 0, GUEST_BUF, 0, new byte[0]));
    assertEquals(OP_RESPONSE, a.expect(5000).op());
    a.send(Packet.of(3, 50000, 4, 6000, OP_RW, 0, GUEST_BUF, 0, payload));
    assertArrayEquals(payload, b.expect(5000).payload());
    // A 64 KiB packet is split over 4 KiB RX buffers, not cut short.
    byte[] big = new byte[65536];
    new Random(3).nextBytes(big);
    a.send(Packet.of(3, 50000, 4, 6000, OP_RW, 0, GUEST_BUF, 0, big));
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (got.size() < big.length) {
      got.write(b.expect(5000).payload());
    }
    assertArrayEquals(big, got.toByteArray());
    // C shares no group with A.
    c.send(Packet.of(5, 50001, 3, 6000, OP_REQUEST, 0, GUEST_BUF, 0, new byte[0]));
    Packet rst = c.expect(5000);
    assertEquals(OP_RST, rst.op());
    assertEquals(3, rst.srcCid());
    assertNull(a.recv(300), "A never hears from C");
  }

  @Test
  void aConnectLineInPiecesStillConnectsAndKeepsWhatFollows() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = guest("vm.sock", CID);
    SocketChannel host = hostConnect("vm.vsock");
    write(host, bytes("CONN"));
    assertNull(g.recv(300), "no REQUEST for half a line");
    write(host, bytes("ECT 77\nabc"));
    Packet req = g.expect(5000);
    assertEquals(OP_REQUEST, req.op(), req.toString());
    assertEquals(77, req.dstPort());
    g.send(op(g, 77, req.srcPort(), OP_RESPONSE, 0, new byte[0]));
    assertEquals("OK 77\n", new String(readN(host, 6), StandardCharsets.US_ASCII));
    assertArrayEquals(bytes("abc"), g.expect(5000).payload());
  }

  @Test
  void aHostThatLeavesBeforeTheOkGetsTheGuestAnRstNotACrash() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = guest("vm.sock", CID);
    SocketChannel host = hostConnect("vm.vsock");
    write(host, bytes("CONNECT 1234\n"));
    Packet req = g.expect(5000);
    host.close();
    g.send(op(g, 1234, req.srcPort(), OP_RESPONSE, 0, new byte[0]));
    Packet p = g.expect(5000);
    // Either the OK write failed (RST) or it went into the buffer and EOF follows (SHUTDOWN).
    assertTrue(p.op() == OP_RST || p.op() == OP_SHUTDOWN, p.toString());
    // And the daemon still serves.
    Object[] again = hostInitiated(g, "");
    assertNotNull(again[0]);
  }

  @Test
  void anRxBufferTooSmallForAHeaderComesBackEmpty() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    TestGuest g = TestGuest.start(dir.resolve("vm.sock"), CID, 0);
    closeMe.add(0, g);
    long gpa = g.ram.alloc(16, 8);
    g.rx.driver().publish(g.rx.driver().addChain(
        new org.vhostdevice.queue.driver.DriverQueue.Buffer(gpa, 16, true)));
    g.rx.kickFd().signal();
    g.send(op(g, 40010, 6010, OP_REQUEST, 0, new byte[0]));
    var used = g.rx.awaitUsed(5000);
    assertNotNull(used, "the unusable buffer is returned");
    assertEquals(0, used.len());
  }

  @Test
  void aGuestRstClosesTheHostSocket() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    ServerSocketChannel listener = hostListen("vm.vsock_5010");
    TestGuest g = guest("vm.sock", CID);
    g.send(op(g, 40011, 5010, OP_REQUEST, 0, new byte[0]));
    assertEquals(OP_RESPONSE, g.expect(5000).op());
    SocketChannel host = listener.accept();
    closeMe.add(host);
    g.send(op(g, 40011, 5010, OP_RST, 0, new byte[0]));
    assertEquals(0, readToEof(host).length);
  }

  @Test
  void aCreditRequestIsAnsweredWithACreditUpdate() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock,tx-buffer-size=32768");
    ServerSocketChannel listener = hostListen("vm.vsock_5011");
    TestGuest g = guest("vm.sock", CID);
    g.send(op(g, 40012, 5011, OP_REQUEST, 0, new byte[0]));
    assertEquals(OP_RESPONSE, g.expect(5000).op());
    closeMe.add(listener.accept());
    g.send(op(g, 40012, 5011, OP_CREDIT_REQUEST, 0, new byte[0]));
    Packet p = g.expect(5000);
    assertEquals(OP_CREDIT_UPDATE, p.op(), p.toString());
    assertEquals(32768, p.bufAlloc());
  }

  @Test
  void forwardedBytesAreAdvertisedBeforeTheGuestRunsOutOfCredit() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock,tx-buffer-size=8192");
    ServerSocketChannel listener = hostListen("vm.vsock_5012");
    TestGuest g = guest("vm.sock", CID);
    g.send(op(g, 40013, 5012, OP_REQUEST, 0, new byte[0]));
    assertEquals(OP_RESPONSE, g.expect(5000).op());
    SocketChannel host = listener.accept();
    closeMe.add(host);
    g.send(op(g, 40013, 5012, OP_RW, 0, new byte[7000]));
    Packet p = g.expect(5000);
    assertEquals(OP_CREDIT_UPDATE, p.op(), p.toString());
    assertEquals(7000, p.fwdCnt());
    assertEquals(7000, readN(host, 7000).length);
  }

  @Test
  void aPacketFromAForeignSourceCidIsIgnored() throws Exception {
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    hostListen("vm.vsock_5013");
    TestGuest g = guest("vm.sock", CID);
    g.send(Packet.of(99, 40014, 2, 5013, OP_REQUEST, 0, GUEST_BUF, 0, new byte[0]));
    assertNull(g.recv(300));
  }

  @Test
  void aSiblingWhoseGuestIsNotRunningAnswersRst() throws Exception {
    startDaemon("socket=$D/a.sock,uds-path=$D/a.vsock,guest-cid=3",
        "socket=$D/b.sock,uds-path=$D/b.vsock,guest-cid=4");
    TestGuest a = guest("a.sock", 3);
    a.send(Packet.of(3, 50000, 4, 6000, OP_REQUEST, 0, GUEST_BUF, 0, new byte[0]));
    assertEquals(OP_RST, a.expect(5000).op());
  }

  @Test
  void aGuestConnectWaitsForRoomInABusyHostListener() throws Exception {
    // Rust connects with a blocking connect(), which stalls every VM queue of the daemon while
    // the host program is slow to accept; we retry without blocking.
    startDaemon("socket=$D/vm.sock,uds-path=$D/vm.vsock");
    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    closeMe.add(listener);
    listener.bind(UnixDomainSocketAddress.of(dir.resolve("vm.vsock_5020")), 1);
    TestGuest g = guest("vm.sock", CID);
    for (int port = 41000; port < 41004; port++) {
      g.send(op(g, port, 5020, OP_REQUEST, 0, new byte[0]));
    }
    Thread.sleep(300);
    for (int i = 0; i < 4; i++) {
      closeMe.add(listener.accept());
    }
    for (int i = 0; i < 4; i++) {
      Packet p = g.expect(5000);
      assertEquals(OP_RESPONSE, p.op(), p.toString());
    }
  }
}
