// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Memfd;
import org.vhostdevice.sys.Mman;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.TimerFd;
import org.vhostdevice.vhostuser.protocol.ConfigSpace;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.protocol.SingleMemoryRegion;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringFdRef;
import org.vhostdevice.vhostuser.protocol.VringState;
import org.vhostdevice.vhostuser.transport.RawPeer;

/**
 * Fuzz target (a) of docs/reliability.md: the message decoder and the backend state machine,
 * driven over a real socket pair by a frontend that sends what the fuzzer says: mostly
 * well-framed requests with fuzzed fields (so the state machine gets deep), sometimes raw bytes,
 * lying sizes, unknown codes, and any of a pool of fds (guest-memory memfds, a too-small memfd,
 * eventfds, a socket, a timerfd, an epoll fd) on any message. Ring memory holds fuzzed bytes and
 * the kicks are real, so the workers walk fuzzed rings while the control thread is reconfigured.
 *
 * <p>After the frontend hangs up, the session must end within {@link #END_MILLIS}, must not have
 * failed with anything but a {@link ProtocolException} or an I/O error, and must leave no fd and
 * no worker thread behind.
 */
class ProtocolFuzzTest {
  private static final long END_MILLIS = 10_000;
  private static final long RAM_SIZE = 64 * 1024;
  /** The "frontend virtual address" of the guest RAM memfd, as QEMU would send it. */
  private static final long USER_BASE = 0x7f00_0000_0000L;
  private static final FrontendRequest[] REQUESTS = FrontendRequest.values();
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong MESSAGES = new AtomicLong();
  private static Level savedLevel;

  @BeforeAll
  static void quiet() {
    // Millions of rejected requests would each log an error line.
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    savedLevel = root.getLevel();
    root.setLevel(Level.OFF);
  }

  @AfterAll
  static void report() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(savedLevel);
    System.out.printf("ProtocolFuzzTest: %d inputs, %d messages%n", INPUTS.get(), MESSAGES.get());
  }

  @FuzzTest(maxDuration = "10m")
  void messageSequences(FuzzedDataProvider data) throws Exception {
    run(data, false);
  }

  /**
   * The same, after the set-up QEMU does for a running guest (features, memory table, both rings
   * enabled on the fuzzed RAM): every input starts where the interesting states are, instead of
   * having to find a valid handshake first.
   */
  @FuzzTest(maxDuration = "10m")
  void startedSessions(FuzzedDataProvider data) throws Exception {
    run(data, true);
  }

  private static void run(FuzzedDataProvider data, boolean started) throws Exception {
    INPUTS.incrementAndGet();
    long fdsBefore = Leaks.openFds();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread session;
    try (FdPool pool = new FdPool(data)) {
      RawPeer.Ends ends = RawPeer.open();
      try {
        BackendSession s;
        try {
          s = new BackendSession(new FuzzDevice(), ends.connection());
        } catch (IOException | RuntimeException e) {
          ends.connection().close();
          throw e;
        }
        session = Thread.ofPlatform().name("fuzz-session").start(() -> {
          try {
            s.serve();
          } catch (Throwable t) {
            failure.set(t);
          }
        });
        try {
          if (started) {
            startRings(data, pool, ends.peer());
          }
          speak(data, pool, ends.peer());
        } catch (IOException backendHungUp) {
          // the backend closed the connection (a protocol error): what it should do
        }
      } finally {
        // The frontend hangs up; the backend's end belongs to the session.
        ends.peer().close();
      }
    }
    // The peer is closed: the session must notice and free everything.
    session.join(END_MILLIS);
    assertFalse(session.isAlive(), "the session did not end after the frontend hung up");
    Throwable t = failure.get();
    if (t != null && !(t instanceof IOException)) {
      fail("the session failed with " + t, t);
    }
    if (t instanceof ProtocolException p && p.getCause() instanceof RuntimeException r
        && !(r instanceof IllegalArgumentException)) {
      fail("a runtime exception was turned into a protocol error: " + r, r);
    }
    Leaks.assertNoSessionThreads("vhost-fuzz-");
    Leaks.assertFdsAtMost(fdsBefore);
  }

  private static void speak(FuzzedDataProvider data, FdPool pool, RawPeer peer)
      throws IOException {
    int count = data.consumeInt(1, 32);
    for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
      MESSAGES.incrementAndGet();
      switch (data.consumeInt(0, 15)) {
        case 0 -> peer.write(data.consumeBytes(data.consumeInt(1, 64)), pool.pick(data, 2));
        case 1 -> pool.kick(data);
        case 2 -> pool.poke(data);
        default -> message(data, pool, peer);
      }
      // Take the replies as they come, so neither side blocks on a full socket buffer.
      int waiting = peer.available();
      if (waiting > 0) {
        peer.read(waiting);
      }
    }
  }

  /** Ring q's three parts in the fuzzed RAM: desc table, avail ring, used ring, 4 KiB apart. */
  private static final long RING_STRIDE = 0x4000;

  /**
   * QEMU's start-up, without acks: features, memory table (the RAM memfd at guest address 0),
   * then per ring its size, base, addresses, kick, call and enable.
   */
  private static void startRings(FuzzedDataProvider data, FdPool pool, RawPeer peer)
      throws IOException {
    long features = VirtioFeatures.VERSION_1 | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES
        | (data.consumeBoolean() ? VirtioFeatures.RING_EVENT_IDX : 0);
    send(peer, FrontendRequest.GET_FEATURES, new byte[0]);
    send(peer, FrontendRequest.SET_PROTOCOL_FEATURES, Payloads.encodeU64(ProtocolFeatures.MQ
        | ProtocolFeatures.REPLY_ACK | ProtocolFeatures.CONFIG | ProtocolFeatures.RESET_DEVICE
        | ProtocolFeatures.CONFIGURE_MEM_SLOTS));
    send(peer, FrontendRequest.SET_OWNER, new byte[0]);
    send(peer, FrontendRequest.SET_FEATURES, Payloads.encodeU64(features));
    send(peer, FrontendRequest.SET_MEM_TABLE, new MemoryTable(List.of(
        new MemoryRegionDescriptor(0, RAM_SIZE, USER_BASE, 0))).encode(), pool.ram.fd());
    for (int q = 0; q < FuzzDevice.QUEUES; q++) {
      long base = USER_BASE + q * RING_STRIDE;
      send(peer, FrontendRequest.SET_VRING_NUM,
          new VringState(q, 1 << data.consumeInt(0, 8)).encode());
      send(peer, FrontendRequest.SET_VRING_BASE, new VringState(q, 0).encode());
      send(peer, FrontendRequest.SET_VRING_ADDR,
          new VringAddress(q, 0, base, base + 0x2000, base + 0x1000, 0).encode());
      send(peer, FrontendRequest.SET_VRING_KICK, new VringFdRef(q, false).encode(),
          pool.events[q].fd());
      send(peer, FrontendRequest.SET_VRING_CALL, new VringFdRef(q, false).encode(),
          pool.events[2].fd());
      send(peer, FrontendRequest.SET_VRING_ENABLE, new VringState(q, 1).encode());
      // The avail ring starts with fuzzed contents too (flags, index, first heads).
      pool.write(base - USER_BASE + 0x1000, data.consumeBytes(data.consumeInt(0, 64)));
    }
    int waiting = peer.available();
    if (waiting > 0) {
      peer.read(waiting);
    }
  }

  private static void send(RawPeer peer, FrontendRequest r, byte[] payload, int... fds)
      throws IOException {
    MESSAGES.incrementAndGet();
    byte[] header = Header.encode(r.code(), Header.VERSION, payload.length);
    byte[] wire = new byte[header.length + payload.length];
    System.arraycopy(header, 0, wire, 0, header.length);
    System.arraycopy(payload, 0, wire, header.length, payload.length);
    peer.write(wire, fds);
  }

  private static void message(FuzzedDataProvider data, FdPool pool, RawPeer peer)
      throws IOException {
    int code;
    FrontendRequest r = null;
    if (data.consumeInt(0, 15) == 0) {
      code = data.consumeInt();
    } else {
      r = REQUESTS[data.consumeInt(0, REQUESTS.length - 1)];
      code = r.code();
    }
    int flags = data.consumeInt(0, 15) == 0
        ? data.consumeInt()
        : Header.VERSION | (data.consumeBoolean() ? Header.NEED_REPLY : 0);
    List<Integer> fds = new ArrayList<>();
    byte[] payload = r == null ? data.consumeBytes(data.consumeInt(0, 64)) : payload(data, r, pool, fds);
    if (data.consumeInt(0, 7) == 0) {
      for (int fd : pool.pick(data, 3)) {
        fds.add(fd);
      }
    }
    int size = data.consumeInt(0, 15) == 0 ? data.consumeInt() : payload.length;
    byte[] header = Header.encode(code, flags, size);
    byte[] wire = new byte[header.length + payload.length];
    System.arraycopy(header, 0, wire, 0, header.length);
    System.arraycopy(payload, 0, wire, header.length, payload.length);
    peer.write(wire, fds.stream().mapToInt(Integer::intValue).toArray());
  }

  /** A payload for {@code r} with fuzzed fields, and the fds it would normally carry. */
  private static byte[] payload(
      FuzzedDataProvider data, FrontendRequest r, FdPool pool, List<Integer> fds) {
    return switch (r) {
      case SET_FEATURES -> Payloads.encodeU64(data.consumeBoolean()
          ? VirtioFeatures.VERSION_1 | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES
              | (data.consumeBoolean() ? VirtioFeatures.RING_EVENT_IDX : 0)
          : data.consumeLong());
      case SET_PROTOCOL_FEATURES -> Payloads.encodeU64(data.consumeBoolean()
          ? ProtocolFeatures.MQ | ProtocolFeatures.REPLY_ACK | ProtocolFeatures.CONFIG
              | ProtocolFeatures.RESET_DEVICE | ProtocolFeatures.CONFIGURE_MEM_SLOTS
          : data.consumeLong());
      case SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE ->
          new VringState(queue(data), data.consumeBoolean()
              ? 1 << data.consumeInt(0, 9) : data.consumeInt()).encode();
      case SET_VRING_ADDR -> new VringAddress(queue(data), data.consumeInt(0, 1),
          userAddr(data), userAddr(data), userAddr(data), data.consumeLong()).encode();
      case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> {
        boolean noFd = data.consumeInt(0, 7) == 0;
        if (!noFd) {
          fds.add(pool.eventOrAny(data));
        }
        yield new VringFdRef(queue(data) & 0xFF, noFd).encode();
      }
      case SET_MEM_TABLE -> {
        int n = data.consumeInt(1, 3);
        List<MemoryRegionDescriptor> regions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          regions.add(region(data));
          fds.add(pool.memOrAny(data));
        }
        yield new MemoryTable(regions).encode();
      }
      case ADD_MEM_REG, REM_MEM_REG -> {
        if (r == FrontendRequest.ADD_MEM_REG) {
          fds.add(pool.memOrAny(data));
        }
        yield new SingleMemoryRegion(region(data)).encode();
      }
      case GET_CONFIG, SET_CONFIG -> {
        int size = data.consumeInt(0, 24);
        byte[] bytes = new byte[size];
        if (r == FrontendRequest.SET_CONFIG) {
          byte[] given = data.consumeBytes(size);
          System.arraycopy(given, 0, bytes, 0, given.length);
        }
        yield new ConfigSpace(data.consumeInt(0, 24), size, data.consumeInt(0, 3), bytes).encode();
      }
      case SET_BACKEND_REQ_FD, GPU_SET_SOCKET, SET_LOG_FD -> {
        fds.add(pool.any(data));
        yield new byte[0];
      }
      default -> {
        int fixed = r.fixedPayloadSize();
        yield data.consumeBytes(fixed >= 0 ? fixed : data.consumeInt(0, 64));
      }
    };
  }

  private static int queue(FuzzedDataProvider data) {
    return data.consumeInt(0, 15) == 0 ? data.consumeInt() : data.consumeInt(0, FuzzDevice.QUEUES);
  }

  private static long userAddr(FuzzedDataProvider data) {
    return data.consumeInt(0, 7) == 0
        ? data.consumeLong()
        : USER_BASE + (data.consumeLong(0, RAM_SIZE) & ~0xFL);
  }

  private static MemoryRegionDescriptor region(FuzzedDataProvider data) {
    if (data.consumeInt(0, 7) == 0) {
      return new MemoryRegionDescriptor(
          data.consumeLong(), data.consumeLong(), data.consumeLong(), data.consumeLong());
    }
    long offset = data.consumeBoolean() ? 0 : data.consumeLong(0, RAM_SIZE);
    long size = data.consumeBoolean() ? RAM_SIZE - offset : data.consumeLong(0, 2 * RAM_SIZE);
    return new MemoryRegionDescriptor(
        0x1000L * data.consumeInt(0, 64), size, USER_BASE + offset, offset);
  }

  /** The fds a fuzzed frontend can attach, created per input and closed with it. */
  private static final class FdPool implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final OwnedFd ram;
    private final MemorySegment ramView;
    private final OwnedFd smallMemfd;
    private final EventFd[] events = new EventFd[3];
    private final OwnedFd[] socket;
    private final TimerFd timer;
    private final Epoll epoll;
    private final int[] all;

    FdPool(FuzzedDataProvider data) throws IOException {
      ram = Memfd.create("fuzz-ram", RAM_SIZE);
      ramView = Mman.mapShared(ram.fd(), 0, RAM_SIZE, arena);
      byte[] fill = data.consumeBytes(data.consumeInt(0, 4096));
      MemorySegment.copy(fill, 0, ramView, ValueLayout.JAVA_BYTE, 0, fill.length);
      smallMemfd = Memfd.create("fuzz-small", 4096);
      for (int i = 0; i < events.length; i++) {
        events[i] = EventFd.create();
      }
      socket = org.vhostdevice.sys.Sockets.socketPair();
      timer = TimerFd.create();
      epoll = Epoll.create(1);
      all = new int[] {ram.fd(), smallMemfd.fd(), events[0].fd(), events[1].fd(),
          events[2].fd(), socket[0].fd(), timer.fd(), epoll.fd()};
    }

    int any(FuzzedDataProvider data) {
      return all[data.consumeInt(0, all.length - 1)];
    }

    int memOrAny(FuzzedDataProvider data) {
      return data.consumeInt(0, 7) == 0 ? any(data) : ram.fd();
    }

    int eventOrAny(FuzzedDataProvider data) {
      return data.consumeInt(0, 7) == 0 ? any(data) : events[data.consumeInt(0, 2)].fd();
    }

    int[] pick(FuzzedDataProvider data, int max) {
      int[] out = new int[data.consumeInt(0, max)];
      for (int i = 0; i < out.length; i++) {
        out[i] = any(data);
      }
      return out;
    }

    void kick(FuzzedDataProvider data) throws IOException {
      events[data.consumeInt(0, 2)].signal();
    }

    void write(long at, byte[] b) {
      MemorySegment.copy(b, 0, ramView, ValueLayout.JAVA_BYTE, at, b.length);
    }

    /** The guest rewrites part of its RAM (rings included) while the backend runs. */
    void poke(FuzzedDataProvider data) {
      long at = data.consumeLong(0, RAM_SIZE - 1);
      byte[] b = data.consumeBytes((int) Math.min(64, RAM_SIZE - at));
      MemorySegment.copy(b, 0, ramView, ValueLayout.JAVA_BYTE, at, b.length);
    }

    @Override
    public void close() {
      arena.close();
      ram.close();
      smallMemfd.close();
      for (EventFd e : events) {
        e.close();
      }
      socket[0].close();
      socket[1].close();
      timer.close();
      epoll.close();
    }
  }
}
