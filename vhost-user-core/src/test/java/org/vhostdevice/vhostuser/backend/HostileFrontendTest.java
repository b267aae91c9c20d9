// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.Memfd;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;
import org.vhostdevice.sys.TimerFd;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.protocol.SingleMemoryRegion;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringFdRef;
import org.vhostdevice.vhostuser.protocol.VringState;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * The hostile-frontend suite (docs/reliability.md): a daemon on a socket path, and frontends that
 * break the protocol in each way issue 5 lists. Every case expects the connection to be closed
 * (after a failure ack where one was due), nothing left behind in the process (fds, worker
 * threads, guest mappings), and the daemon to serve a well-behaved frontend next.
 */
class HostileFrontendTest {
  private static final long RAM_GPA = 0x10_0000;
  private static final long RAM_SIZE = 256 * 1024;
  private static final int NEED_REPLY = Header.VERSION | Header.NEED_REPLY;
  private static final Duration BOUND = Duration.ofSeconds(30);
  /** The message and send timeouts of this daemon: short, so stalled peers are dropped fast. */
  private static final long TIMEOUT_MILLIS = 1_000;
  /** Only the session's own threads: the daemon's socket thread lives on by design. */
  private static final String WORKERS = "vhost-fuzz-worker";

  @TempDir static Path dir;
  private static Path sock;
  private static Daemon daemon;

  private long fdsBefore;
  private long mapsBefore;

  @BeforeAll
  static void startDaemon() throws Exception {
    System.setProperty(Connection.MESSAGE_TIMEOUT_PROPERTY, Long.toString(TIMEOUT_MILLIS));
    System.setProperty(Connection.SEND_TIMEOUT_PROPERTY, Long.toString(TIMEOUT_MILLIS));
    sock = dir.resolve("hostile.sock");
    SocketOptions o = new SocketOptions();
    new picocli.CommandLine(o).parseArgs("--socket-path", sock.toString(), "--log-level", "warn");
    daemon = new Daemon(new DaemonSpec("fuzz", "test"), o, i -> new FuzzDevice());
    daemon.start();
    // One complete session first, so that lazily created JDK resources are in every baseline.
    wellBehavedFrontend();
  }

  @AfterAll
  static void stopDaemon() {
    daemon.stop();
    System.clearProperty(Connection.MESSAGE_TIMEOUT_PROPERTY);
    System.clearProperty(Connection.SEND_TIMEOUT_PROPERTY);
  }

  @BeforeEach
  void baseline() throws Exception {
    awaitNoWorkers();
    fdsBefore = Leaks.openFds();
    mapsBefore = Leaks.memfdMappings();
  }

  @AfterEach
  void nothingLeftAndNextFrontendServed() throws Exception {
    awaitNoWorkers();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Leaks.openFds() > fdsBefore && System.nanoTime() < deadline) {
      Thread.sleep(20); // the serving thread closes the socket after the workers
    }
    Leaks.assertFdsAtMost(fdsBefore);
    assertTrue(Leaks.memfdMappings() <= mapsBefore, "guest mappings left behind");
    Leaks.assertNoSessionThreads(WORKERS);
    wellBehavedFrontend();
  }

  private static void awaitNoWorkers() throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Leaks.threadsNamed(WORKERS) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  /** QEMU's whole sequence: init, start two queues, one request on each, stop. */
  private static void wellBehavedFrontend() throws Exception {
    assertTimeoutPreemptively(BOUND, () -> {
      try (Frontend f = Frontend.connect(sock);
          GuestRam ram = GuestRam.create(RAM_GPA, RAM_SIZE);
          FrontendQueue q0 = new FrontendQueue(0, ram, 64);
          FrontendQueue q1 = new FrontendQueue(1, ram, 64)) {
        f.qemuInit(2);
        f.start(ram, VirtioFeatures.VERSION_1, q0, q1);
        for (FrontendQueue q : List.of(q0, q1)) {
          long buf = ram.alloc(64, 8);
          q.driver().addChain(new Buffer(buf, 16, false), new Buffer(buf + 16, 48, true));
          q.driver().publish(0);
          q.kick();
          var used = q.awaitUsed(10_000);
          if (used == null) {
            // Seen twice in CI, not reproduced since: tell a lost kick from a stuck ring.
            q.kick();
            boolean afterSecondKick = q.awaitUsed(5_000) != null;
            fail("queue " + q.index() + " was not served"
                + (afterSecondKick ? "; a second kick served it (the first kick was lost)"
                    : "; not even after a second kick (the ring is stuck)")
                + "\n" + Leaks.threadDump("vhost-fuzz"));
          }
          assertEquals(48, used.len());
        }
        f.stop(q0, q1);
      }
    });
  }

  /** A frontend that has negotiated REPLY_ACK (so failures are acked) and nothing else. */
  private static Frontend negotiated() throws IOException {
    Frontend f = Frontend.connect(sock);
    f.qemuInit(2);
    assertTrue(f.replyAckActive());
    return f;
  }

  /** The backend acks {@code code} with a failure, then closes the connection. */
  private static void expectFailureAckThenClose(Frontend f, int code) throws Exception {
    assertTimeoutPreemptively(BOUND, () -> {
      try (Message m = f.connection().receiveReply(code)) {
        assertEquals(1, Payloads.decodeU64(m), "failure ack");
      }
      expectClosed(f);
    });
  }

  /** The backend closes the connection without another message. */
  private static void expectClosed(Frontend f) throws Exception {
    assertTimeoutPreemptively(BOUND, () -> {
      try {
        Message m = f.receiveRaw();
        if (m != null) {
          m.close();
          fail("expected the connection to close, got " + m);
        }
      } catch (IOException closedWithAReset) {
        // as good as a hang-up
      }
    });
  }

  private static byte[] memTable(MemoryRegionDescriptor... regions) {
    return new MemoryTable(List.of(regions)).encode();
  }

  // ---- wrong sizes, unknown codes, broken headers ----

  @Test
  void wrongPayloadSize() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendRaw(FrontendRequest.SET_VRING_NUM.code(), NEED_REPLY, new byte[4]);
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_NUM.code());
    }
  }

  @Test
  void sizeFieldBeyondTheLimit() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendBytes(Header.encode(FrontendRequest.SET_CONFIG.code(), NEED_REPLY, 1 << 20));
      // Framing is broken: nothing after the header can be trusted, not even for an ack.
      expectClosed(f);
    }
  }

  @Test
  void unsupportedVersion() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendBytes(Header.encode(FrontendRequest.GET_FEATURES.code(), 2 | Header.NEED_REPLY, 0));
      expectClosed(f);
    }
  }

  @Test
  void unknownRequestCode() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendRaw(0x7777, NEED_REPLY, new byte[8]);
      expectFailureAckThenClose(f, 0x7777);
    }
  }

  @Test
  void replyFlagOnARequest() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendRaw(FrontendRequest.SET_VRING_NUM.code(), NEED_REPLY | Header.REPLY,
          new VringState(0, 64).encode());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_NUM.code());
    }
  }

  // ---- messages in the wrong state ----

  @Test
  void ringAddressBeforeAnyMemoryTable() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendRaw(FrontendRequest.SET_VRING_ADDR.code(), NEED_REPLY,
          new VringAddress(0, 0, 0x1000, 0x2000, 0x3000, 0).encode());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_ADDR.code());
    }
  }

  @Test
  void vringEnableBeforeProtocolFeaturesAreAcked() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendRaw(FrontendRequest.SET_VRING_ENABLE.code(), NEED_REPLY, new VringState(0, 1).encode());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_ENABLE.code());
    }
  }

  @Test
  void secondSetOwner() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendRaw(FrontendRequest.SET_OWNER.code(), NEED_REPLY, new byte[0]);
      expectFailureAckThenClose(f, FrontendRequest.SET_OWNER.code());
    }
  }

  @Test
  void memorySlotRequestWithoutItsProtocolFeature() throws Exception {
    try (Frontend f = withoutMemSlots()) {
      f.sendRaw(FrontendRequest.REM_MEM_REG.code(), NEED_REPLY, new SingleMemoryRegion(
          new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, 0x7000_0000_0000L, 0)).encode());
      expectFailureAckThenClose(f, FrontendRequest.REM_MEM_REG.code());
    }
  }

  /** A request whose reply has a body gets no ack, so a refusal is just the hang-up. */
  @Test
  void requestWithABodyReplyWithoutItsProtocolFeature() throws Exception {
    try (Frontend f = withoutMemSlots()) {
      f.sendRaw(FrontendRequest.GET_MAX_MEM_SLOTS.code(), NEED_REPLY, new byte[0]);
      expectClosed(f);
    }
  }

  private static Frontend withoutMemSlots() throws IOException {
    Frontend f = Frontend.connect(sock);
    f.setWantedProtocolFeatures(
        Frontend.SUPPORTED_PROTOCOL_FEATURES & ~ProtocolFeatures.CONFIGURE_MEM_SLOTS);
    f.qemuInit(2);
    return f;
  }

  // ---- memory tables ----

  private void expectMemTableRefused(MemoryRegionDescriptor... regions) throws Exception {
    try (Frontend f = negotiated(); OwnedFd memfd = Memfd.create("hostile", RAM_SIZE)) {
      int[] fds = new int[regions.length];
      Arrays.fill(fds, memfd.fd());
      f.sendRaw(FrontendRequest.SET_MEM_TABLE.code(), NEED_REPLY, memTable(regions), fds);
      expectFailureAckThenClose(f, FrontendRequest.SET_MEM_TABLE.code());
    }
  }

  @Test
  void overlappingRegions() throws Exception {
    expectMemTableRefused(
        new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, 0x7000_0000_0000L, 0),
        new MemoryRegionDescriptor(RAM_GPA + 4096, 4096, 0x7100_0000_0000L, 0));
  }

  @Test
  void zeroSizedRegion() throws Exception {
    expectMemTableRefused(new MemoryRegionDescriptor(RAM_GPA, 0, 0x7000_0000_0000L, 0));
  }

  @Test
  void absurdlyLargeRegion() throws Exception {
    expectMemTableRefused(new MemoryRegionDescriptor(RAM_GPA, 1L << 46, 0x7000_0000_0000L, 0));
  }

  @Test
  void regionPastTheEndOfItsFile() throws Exception {
    expectMemTableRefused(
        new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, 0x7000_0000_0000L, RAM_SIZE - 4096));
  }

  @Test
  void regionWrappingTheAddressSpace() throws Exception {
    expectMemTableRefused(new MemoryRegionDescriptor(-4096, 8192, 0x7000_0000_0000L, 0));
  }

  @Test
  void regionCountBeyondTheMaximum() throws Exception {
    try (Frontend f = negotiated()) {
      byte[] payload = new byte[MemoryTable.sizeOf(1)];
      payload[0] = (byte) (MemoryTable.MAX_REGIONS + 1); // the count lies
      f.sendRaw(FrontendRequest.SET_MEM_TABLE.code(), NEED_REPLY, payload);
      expectFailureAckThenClose(f, FrontendRequest.SET_MEM_TABLE.code());
    }
  }

  /** A well-formed table of 33 regions with 33 fds: more than the 32 fds a message may carry. */
  @Test
  void moreRegionsAndFdsThanAMessageCarries() throws Exception {
    int n = MemoryTable.MAX_REGIONS + 1;
    byte[] payload = new byte[MemoryTable.sizeOf(n)];
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(payload).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, n);
    for (int i = 0; i < n; i++) {
      byte[] region = new MemoryRegionDescriptor(RAM_GPA + i * 4096L, 4096,
          0x7000_0000_0000L + i * 4096L, i * 4096L).encode();
      b.put(8 + i * region.length, region);
    }
    try (Frontend f = negotiated(); OwnedFd memfd = Memfd.create("hostile", RAM_SIZE)) {
      int[] fds = new int[n];
      Arrays.fill(fds, memfd.fd());
      f.sendRaw(FrontendRequest.SET_MEM_TABLE.code(), NEED_REPLY, payload, fds);
      expectFailureAckThenClose(f, FrontendRequest.SET_MEM_TABLE.code());
    }
  }

  /** ADD_MEM_REG beyond the 509 slots GET_MAX_MEM_SLOTS reported: refused, all 509 unmapped. */
  @Test
  void moreMemorySlotsThanOffered() throws Exception {
    try (Frontend f = negotiated(); OwnedFd memfd = Memfd.create("slots", 4096)) {
      assertTimeoutPreemptively(BOUND, () -> {
        long slots = f.getMaxMemSlots();
        for (long i = 0; i < slots; i++) {
          f.addMemReg(new MemoryRegionDescriptor(RAM_GPA + i * 4096, 4096,
              0x7000_0000_0000L + i * 4096, 0), memfd.fd());
        }
        f.sendRaw(FrontendRequest.ADD_MEM_REG.code(), NEED_REPLY, new SingleMemoryRegion(
            new MemoryRegionDescriptor(RAM_GPA + slots * 4096, 4096,
                0x7000_0000_0000L + slots * 4096, 0)).encode(), memfd.fd());
      });
      expectFailureAckThenClose(f, FrontendRequest.ADD_MEM_REG.code());
    }
  }

  // ---- ring addresses ----

  @Test
  void ringOutsideEveryRegion() throws Exception {
    try (Frontend f = negotiated(); GuestRam ram = GuestRam.create(RAM_GPA, RAM_SIZE)) {
      f.setFeatures(VirtioFeatures.VERSION_1 | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES);
      f.setMemTable(ram);
      f.setVringNum(0, 64);
      long outside = ram.userAddr(RAM_GPA) + RAM_SIZE + 0x10_0000;
      f.sendRaw(FrontendRequest.SET_VRING_ADDR.code(), NEED_REPLY,
          new VringAddress(0, 0, outside, outside + 0x1000, outside + 0x2000, 0).encode());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_ADDR.code());
    }
  }

  @Test
  void ringRunningOffTheEndOfItsRegion() throws Exception {
    try (Frontend f = negotiated(); GuestRam ram = GuestRam.create(RAM_GPA, RAM_SIZE)) {
      f.setFeatures(VirtioFeatures.VERSION_1 | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES);
      f.setMemTable(ram);
      f.setVringNum(0, 256);
      long last = ram.userAddr(RAM_GPA) + RAM_SIZE - 64; // the table needs 4 KiB from here
      f.sendRaw(FrontendRequest.SET_VRING_ADDR.code(), NEED_REPLY,
          new VringAddress(0, 0, last, ram.userAddr(RAM_GPA), ram.userAddr(RAM_GPA), 0).encode());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_ADDR.code());
    }
  }

  // ---- guest memory pulled from under a mapping ----

  /**
   * The frontend shrinks the guest-memory memfd after SET_MEM_TABLE; SET_VRING_ADDR then reads
   * the used ring from a page with no file behind it (SIGBUS, an InternalError in Java). The
   * request fails like any malformed one; before the fix the Error ended the daemon's serving
   * thread, and with it this socket (the next test's well-behaved frontend would not be served).
   */
  @Test
  void ringAddressAfterTheMemoryFileShrank() throws Exception {
    try (Frontend f = negotiated(); GuestRam ram = GuestRam.create(RAM_GPA, RAM_SIZE)) {
      f.setFeatures(VirtioFeatures.VERSION_1 | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES);
      f.setMemTable(ram);
      f.setVringNum(0, 64);
      TestFiles.truncate(ram.fds()[0], 0);
      long base = ram.userAddr(RAM_GPA);
      f.sendRaw(FrontendRequest.SET_VRING_ADDR.code(), NEED_REPLY,
          new VringAddress(0, 0, base, base + 0x2000, base + 0x1000, 0).encode());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_ADDR.code());
    }
  }

  /**
   * The same under a running ring: the worker's next look at the ring faults. The ring stops
   * (logged) and the worker lives on; before the fix the worker thread died, so its other rings
   * went unserved and the stop was answered by a session with a dead worker.
   */
  @Test
  void memoryFileShrunkUnderARunningRing() throws Exception {
    try (Frontend f = negotiated();
        GuestRam ram = GuestRam.create(RAM_GPA, RAM_SIZE);
        FrontendQueue q0 = new FrontendQueue(0, ram, 64);
        FrontendQueue q1 = new FrontendQueue(1, ram, 64)) {
      f.start(ram, VirtioFeatures.VERSION_1, q0, q1);
      long workers = Leaks.threadsNamed(WORKERS);
      long buf = ram.alloc(16, 8);
      q0.driver().addChain(new Buffer(buf, 16, true));
      q0.driver().publish(0);
      TestFiles.truncate(ram.fds()[0], 0);
      q0.kickFd().signal();
      q1.kickFd().signal();
      Thread.sleep(500); // the workers fault at once; give them time to die, were they to
      assertEquals(workers, Leaks.threadsNamed(WORKERS), "a worker died of the fault");
      assertTimeoutPreemptively(BOUND, () -> f.stop(q0, q1));
    }
  }

  // ---- fds where none belong, none where they do, the wrong kind ----

  @Test
  void fdOnARequestThatTakesNone() throws Exception {
    try (Frontend f = negotiated(); EventFd stray = EventFd.create()) {
      f.sendRaw(FrontendRequest.SET_VRING_NUM.code(), NEED_REPLY, new VringState(0, 64).encode(),
          stray.fd());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_NUM.code());
    }
  }

  @Test
  void memoryTableWithoutItsFds() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendRaw(FrontendRequest.SET_MEM_TABLE.code(), NEED_REPLY,
          memTable(new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, 0x7000_0000_0000L, 0)));
      expectFailureAckThenClose(f, FrontendRequest.SET_MEM_TABLE.code());
    }
  }

  @Test
  void kickWithoutItsFd() throws Exception {
    try (Frontend f = negotiated()) {
      f.sendRaw(FrontendRequest.SET_VRING_KICK.code(), NEED_REPLY,
          new VringFdRef(0, false).encode());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_KICK.code());
    }
  }

  @Test
  void thirtyTwoStrayFdsAreAllClosed() throws Exception {
    try (Frontend f = negotiated(); EventFd stray = EventFd.create()) {
      int[] fds = new int[32];
      Arrays.fill(fds, stray.fd());
      f.sendRaw(FrontendRequest.GET_QUEUE_NUM.code(), NEED_REPLY, new byte[0], fds);
      expectFailureAckThenClose(f, FrontendRequest.GET_QUEUE_NUM.code());
    }
  }

  @Test
  void kickThatIsNotAnEventfd() throws Exception {
    try (Frontend f = negotiated(); OwnedFd memfd = Memfd.create("not-an-eventfd", 4096)) {
      f.sendRaw(FrontendRequest.SET_VRING_KICK.code(), NEED_REPLY,
          new VringFdRef(0, false).encode(), memfd.fd());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_KICK.code());
    }
  }

  @Test
  void callThatIsNotAnEventfd() throws Exception {
    OwnedFd[] pair = Sockets.socketPair();
    try (Frontend f = negotiated(); OwnedFd mine = pair[0]; OwnedFd theirs = pair[1]) {
      f.sendRaw(FrontendRequest.SET_VRING_CALL.code(), NEED_REPLY,
          new VringFdRef(0, false).encode(), theirs.fd());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_CALL.code());
    }
  }

  @Test
  void errThatIsNotAnEventfd() throws Exception {
    try (Frontend f = negotiated(); TimerFd timer = TimerFd.create()) {
      f.sendRaw(FrontendRequest.SET_VRING_ERR.code(), NEED_REPLY,
          new VringFdRef(1, false).encode(), timer.fd());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_ERR.code());
    }
  }

  /** Each read of a semaphore eventfd takes 1 off its count: a worker could never drain it. */
  @Test
  void kickEventfdInSemaphoreMode() throws Exception {
    try (Frontend f = negotiated(); OwnedFd semaphore = TestEventFds.semaphore()) {
      f.sendRaw(FrontendRequest.SET_VRING_KICK.code(), NEED_REPLY,
          new VringFdRef(0, false).encode(), semaphore.fd());
      expectFailureAckThenClose(f, FrontendRequest.SET_VRING_KICK.code());
    }
  }

  /**
   * A blocking kick eventfd: the worker reads it after epoll says it is readable, but a frontend
   * that reads it too in between would leave the worker blocked in read for ever. The backend
   * makes it non-blocking (the flag is on the open file the two processes share).
   */
  @Test
  void blockingKickEventfdIsMadeNonBlocking() throws Exception {
    try (Frontend f = negotiated(); OwnedFd blocking = TestEventFds.blocking()) {
      assertFalse(Fds.isNonBlocking(blocking.fd()));
      f.sendRaw(FrontendRequest.SET_VRING_KICK.code(), NEED_REPLY,
          new VringFdRef(0, false).encode(), blocking.fd());
      assertEquals(0, f.ackOrThrow(FrontendRequest.SET_VRING_KICK.code()));
      assertTrue(Fds.isNonBlocking(blocking.fd()), "the worker could block on this kick fd");
    }
  }

  /**
   * A blocking call eventfd whose counter the frontend filled to the brim: a blocking signal
   * would stop the worker for ever (and GET_VRING_BASE, which waits for the worker, with it).
   * The backend must keep serving and answer the stop.
   */
  @Test
  void callEventfdThatCanNeverBeSignalled() throws Exception {
    try (Frontend f = negotiated();
        GuestRam ram = GuestRam.create(RAM_GPA, RAM_SIZE);
        FrontendQueue q0 = new FrontendQueue(0, ram, 64);
        EventFd full = EventFd.create()) {
      full.write(0xFFFF_FFFF_FFFF_FFFEL); // the largest count an eventfd holds
      Fds.setNonBlocking(full.fd(), false);
      f.start(ram, VirtioFeatures.VERSION_1, q0);
      f.setVringCall(0, full);
      for (int i = 0; i < 3; i++) {
        long buf = ram.alloc(16, 8);
        q0.driver().addChain(new Buffer(buf, 16, true));
        q0.driver().publish(0);
        q0.kickFd().signal();
      }
      assertTimeoutPreemptively(BOUND, () -> {
        int used = 0;
        while (used < 3) {
          if (q0.driver().pollUsed() != null) {
            used++;
          } else {
            Thread.sleep(5);
          }
        }
        f.stop(q0);
      });
    }
  }

  // ---- peers that stop mid-message or flood ----

  @Test
  void peerThatStopsMidPayloadIsDroppedAfterTheMessageTimeout() throws Exception {
    try (Frontend f = negotiated(); EventFd fd = EventFd.create()) {
      byte[] header = Header.encode(FrontendRequest.SET_MEM_TABLE.code(), NEED_REPLY, 40);
      long start = System.nanoTime();
      // 10 of 40 payload bytes, with an fd that must not leak when the message is dropped.
      f.connection().sendRaw(Arrays.copyOf(header, header.length + 10), fd.fd());
      expectClosed(f);
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertTrue(waited >= TIMEOUT_MILLIS - 50, "closed before the timeout: " + waited + " ms");
      assertTrue(waited < TIMEOUT_MILLIS + 10_000, "waited " + waited + " ms");
    }
  }

  @Test
  void peerThatStopsMidHeaderIsDroppedToo() throws Exception {
    try (Frontend f = negotiated()) {
      long start = System.nanoTime();
      f.sendBytes(new byte[] {1, 0, 0});
      expectClosed(f);
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertTrue(waited >= TIMEOUT_MILLIS - 50, "closed before the timeout: " + waited + " ms");
    }
  }

  /** Between messages there is no timeout: QEMU may leave a running guest alone for days. */
  @Test
  void idlePeerIsNotDropped() throws Exception {
    try (Frontend f = negotiated()) {
      Thread.sleep(3 * TIMEOUT_MILLIS);
      assertEquals(2, f.getQueueNum());
    }
  }

  @Test
  void floodOfRequestsThatReadsItsAcks() throws Exception {
    try (Frontend f = negotiated()) {
      assertTimeoutPreemptively(BOUND, () -> {
        for (int i = 0; i < 20_000; i++) {
          f.sendRaw(FrontendRequest.SET_VRING_NUM.code(), NEED_REPLY,
              new VringState(i & 1, 1 << (i % 9)).encode());
          f.ackOrThrow(FrontendRequest.SET_VRING_NUM.code());
        }
      });
    }
  }

  /**
   * A frontend that floods requests with replies and never reads them: once the socket buffers
   * are full the backend cannot send. It must not wait for ever (it would hold the socket's only
   * serving thread): the send times out and the connection is closed. The flooder itself waits
   * without limit, so it only stops because the backend hung up.
   */
  @Test
  void floodThatNeverReadsItsReplies() throws Exception {
    AtomicLong sent = new AtomicLong();
    try (Frontend f = negotiated()) {
      f.connection().setSendTimeoutMillis(0);
      long start = System.nanoTime();
      Thread flooder = Thread.ofPlatform().name("flooder").start(() -> {
        try {
          while (true) {
            f.sendRaw(FrontendRequest.GET_FEATURES.code(), Header.VERSION, new byte[0]);
            sent.incrementAndGet();
          }
        } catch (IOException backendGaveUp) {
          // the backend closed the connection: the flood ends here
        }
      });
      flooder.join(BOUND.toMillis());
      assertFalse(flooder.isAlive(), "the backend still holds a frontend that reads nothing");
      long waited = (System.nanoTime() - start) / 1_000_000;
      // Some hundred replies fill the socket buffer; then the backend's send waits its timeout.
      assertTrue(sent.get() > 100, "the flood should have got going: " + sent.get());
      assertTrue(waited >= TIMEOUT_MILLIS - 50, "hung up before the send timeout: " + waited);
    }
  }
}
