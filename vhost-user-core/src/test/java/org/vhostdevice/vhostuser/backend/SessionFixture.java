// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Memfd;
import org.vhostdevice.sys.Mman;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringFdRef;
import org.vhostdevice.vhostuser.protocol.VringState;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * A backend session on a thread, and the raw frontend end of its socket pair, with guest RAM in
 * a memfd mapped here (its address here is the "frontend virtual address" sent in SET_MEM_TABLE,
 * as QEMU does). Tests speak the protocol message by message through it.
 */
final class SessionFixture implements AutoCloseable {
  static final long RAM_GPA = 0x10_0000;
  static final long RAM_SIZE = 1 << 20;

  final Connection front;
  final BackendSession session;
  final Thread thread;
  final AtomicReference<Throwable> ended = new AtomicReference<>();
  final Arena arena = Arena.ofShared();
  final OwnedFd memfd;
  final MemorySegment ram;
  final GuestMemory memory;
  private boolean closed;

  SessionFixture(VirtioDevice device) throws IOException {
    Connection[] pair = Connection.pair();
    front = pair[0];
    session = new BackendSession(device, pair[1]);
    thread = Thread.ofPlatform().name("test-session").start(() -> {
      try {
        session.serve();
        ended.set(new Throwable("clean end"));
      } catch (Throwable t) {
        ended.set(t);
      }
    });
    memfd = Memfd.create("guest-ram", RAM_SIZE);
    ram = Mman.mapShared(memfd.fd(), 0, RAM_SIZE, arena);
    GuestRegion region = GuestRegion.ofSegment(RAM_GPA, ram.address(), ram, null);
    memory = GuestMemory.of(List.of(region));
    region.release();
  }

  void send(FrontendRequest r, int flags, byte[] payload, int... fds) throws IOException {
    front.send(r.code(), Header.VERSION | flags, payload, fds);
  }

  void send(FrontendRequest r, byte[] payload, int... fds) throws IOException {
    send(r, 0, payload, fds);
  }

  /** Sends with NEED_REPLY and returns the ack value. */
  long acked(FrontendRequest r, byte[] payload, int... fds) throws IOException {
    send(r, Header.NEED_REPLY, payload, fds);
    try (Message m = front.receiveReply(r.code())) {
      return Payloads.decodeU64(m);
    }
  }

  Message request(FrontendRequest r, byte[] payload) throws IOException {
    send(r, payload);
    return front.receiveReply(r.code());
  }

  long getU64(FrontendRequest r) throws IOException {
    try (Message m = request(r, new byte[0])) {
      return Payloads.decodeU64(m);
    }
  }

  /** True once the backend has closed the connection (receive sees the end of the stream). */
  boolean backendClosed() throws InterruptedException {
    thread.join(10_000);
    try {
      return front.receive() == null;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * QEMU's start sequence up to the memory table: features with REPLY_ACK negotiated (so every
   * later request can be acked), owner, acked features and SET_MEM_TABLE.
   */
  void negotiate(long ackedFeatures) throws IOException {
    long offered = getU64(FrontendRequest.GET_FEATURES);
    long protocol = getU64(FrontendRequest.GET_PROTOCOL_FEATURES);
    send(FrontendRequest.SET_PROTOCOL_FEATURES, Payloads.encodeU64(protocol));
    assertEquals(0, acked(FrontendRequest.SET_OWNER, new byte[0]));
    assertEquals(0, acked(FrontendRequest.SET_FEATURES, Payloads.encodeU64(ackedFeatures & offered)));
    assertEquals(0, setMemTable());
  }

  long setMemTable() throws IOException {
    MemoryTable table =
        new MemoryTable(List.of(new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, ram.address(), 0)));
    return acked(FrontendRequest.SET_MEM_TABLE, table.encode(), memfd.fd());
  }

  long userAddr(long gpa) {
    return ram.address() + (gpa - RAM_GPA);
  }

  /** Lays out queue {@code q} at {@code base}, programs it in QEMU's order and enables it. */
  DriverQueue startQueue(int q, int size, long base, EventFd kick, EventFd call) throws IOException {
    return startQueue(q, DriverQueue.layout(memory, size, base), kick, call);
  }

  /** Programs and enables queue {@code q} for a ring the test already laid out. */
  DriverQueue startQueue(int q, DriverQueue d, EventFd kick, EventFd call) throws IOException {
    assertEquals(0, acked(FrontendRequest.SET_VRING_NUM, new VringState(q, d.size()).encode()));
    assertEquals(0, acked(FrontendRequest.SET_VRING_BASE, new VringState(q, 0).encode()));
    assertEquals(0, acked(FrontendRequest.SET_VRING_ADDR, new VringAddress(q, 0,
        userAddr(d.descTable()), userAddr(d.usedRing()), userAddr(d.availRing()), 0).encode()));
    assertEquals(0, acked(FrontendRequest.SET_VRING_KICK, fdRef(q, kick), fds(kick)));
    assertEquals(0, acked(FrontendRequest.SET_VRING_CALL, fdRef(q, call), fds(call)));
    assertEquals(0, acked(FrontendRequest.SET_VRING_ENABLE, new VringState(q, 1).encode()));
    return d;
  }

  static byte[] fdRef(int q, EventFd fd) {
    return new VringFdRef(q, fd == null).encode();
  }

  static int[] fds(EventFd fd) {
    return fd == null ? new int[0] : new int[] {fd.fd()};
  }

  static final long FEATURES =
      VirtioFeatures.VERSION_1 | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES;

  static final long ALL_CORE_PROTOCOL =
      ProtocolFeatures.MQ | ProtocolFeatures.REPLY_ACK | ProtocolFeatures.RESET_DEVICE
          | ProtocolFeatures.CONFIGURE_MEM_SLOTS;

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    front.close();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    memory.release();
    memfd.close();
    arena.close();
  }
}
