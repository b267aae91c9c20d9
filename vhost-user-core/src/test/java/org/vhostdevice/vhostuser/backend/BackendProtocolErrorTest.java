// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.vhostuser.backend.SessionFixture.FEATURES;
import static org.vhostdevice.vhostuser.backend.SessionFixture.RAM_GPA;
import static org.vhostdevice.vhostuser.backend.SessionFixture.RAM_SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringState;

/**
 * core.md §11.2 item 5: each malformed or unacceptable request gets the failure ack when one was
 * due, then the backend closes the connection (the daemon-level test shows the next frontend is
 * served).
 */
class BackendProtocolErrorTest {
  private SessionFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new SessionFixture(new TestDevice());
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  /** After negotiation (REPLY_ACK on): send with NEED_REPLY, expect ack 1, then a closed socket. */
  private void expectAckOneThenClose(FrontendRequest r, byte[] payload, int... fds) throws Exception {
    f.negotiate(FEATURES);
    assertEquals(1, f.acked(r, payload, fds));
    assertTrue(f.backendClosed(), "the backend kept the connection after a protocol error");
  }

  private void expectClose(byte[] wire, int... fds) throws Exception {
    f.front.sendRaw(wire, fds);
    assertTrue(f.backendClosed(), "the backend kept the connection after a protocol error");
  }

  private static byte[] header(int code, int flags, int size) {
    return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(code).putInt(flags).putInt(size).array();
  }

  @Test
  void versionOtherThanOne() throws Exception {
    expectClose(header(FrontendRequest.GET_FEATURES.code(), 2, 0));
  }

  @Test
  void reservedFlagBits() throws Exception {
    expectClose(header(FrontendRequest.GET_FEATURES.code(), 1 | 0x10, 0));
  }

  @Test
  void replyBitOnARequest() throws Exception {
    expectClose(header(FrontendRequest.GET_FEATURES.code(), 1 | Header.REPLY, 0));
  }

  @Test
  void payloadLargerThan4096() throws Exception {
    expectClose(header(FrontendRequest.SET_CONFIG.code(), 1, 4097));
  }

  @Test
  void wrongFixedSize() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_FEATURES, new byte[4]);
  }

  @Test
  void unknownRequestCode() throws Exception {
    f.negotiate(FEATURES);
    f.front.send(99, Header.VERSION | Header.NEED_REPLY, new byte[0]);
    try (Message m = f.front.receiveReply(99)) {
      assertEquals(1, Payloads.decodeU64(m));
    }
    assertTrue(f.backendClosed());
  }

  @Test
  void fdOnARequestThatTakesNone() throws Exception {
    try (EventFd stray = EventFd.create()) {
      expectAckOneThenClose(FrontendRequest.SET_VRING_NUM, new VringState(0, 64).encode(), stray.fd());
    }
  }

  @Test
  void missingFdForKick() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_VRING_KICK, Payloads.encodeU64(0));
  }

  @Test
  void fdWithTheNoFdBit() throws Exception {
    try (EventFd fd = EventFd.create()) {
      expectAckOneThenClose(FrontendRequest.SET_VRING_CALL, Payloads.encodeU64(0x100), fd.fd());
    }
  }

  @Test
  void memTableWithFewerFdsThanRegions() throws Exception {
    MemoryTable two = new MemoryTable(List.of(
        new MemoryRegionDescriptor(RAM_GPA, 4096, f.ram.address(), 0),
        new MemoryRegionDescriptor(RAM_GPA + 4096, 4096, f.ram.address() + 4096, 4096)));
    expectAckOneThenClose(FrontendRequest.SET_MEM_TABLE, two.encode(), f.memfd.fd());
  }

  @Test
  void memTableWithNonZeroPadding() throws Exception {
    byte[] table = new MemoryTable(List.of(
        new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, f.ram.address(), 0))).encode();
    table[4] = 1;
    expectAckOneThenClose(FrontendRequest.SET_MEM_TABLE, table, f.memfd.fd());
  }

  @Test
  void zeroSizedRegion() throws Exception {
    byte[] table = new MemoryTable(List.of(
        new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, f.ram.address(), 0))).encode();
    ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN).putLong(8 + 8, 0);
    expectAckOneThenClose(FrontendRequest.SET_MEM_TABLE, table, f.memfd.fd());
  }

  @Test
  void regionLargerThanItsFileIsRefusedInsteadOfFaultingLater() throws Exception {
    MemoryTable huge = new MemoryTable(List.of(
        new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE * 64, f.ram.address(), 0)));
    expectAckOneThenClose(FrontendRequest.SET_MEM_TABLE, huge.encode(), f.memfd.fd());
  }

  @Test
  void overlappingRegions() throws Exception {
    int dup = Fds.dup(f.memfd.fd());
    try {
      MemoryTable overlap = new MemoryTable(List.of(
          new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, f.ram.address(), 0),
          new MemoryRegionDescriptor(RAM_GPA + 4096, 4096, f.ram.address() + RAM_SIZE, 0)));
      expectAckOneThenClose(FrontendRequest.SET_MEM_TABLE, overlap.encode(), f.memfd.fd(), dup);
    } finally {
      Fds.closeQuietly(dup);
    }
  }

  @Test
  void misalignedRingAddress() throws Exception {
    f.negotiate(FEATURES);
    byte[] addr = new VringAddress(0, 0, f.userAddr(RAM_GPA) + 8, f.userAddr(RAM_GPA + 0x2000),
        f.userAddr(RAM_GPA + 0x1000), 0).encode();
    assertEquals(1, f.acked(FrontendRequest.SET_VRING_ADDR, addr));
    assertTrue(f.backendClosed());
  }

  @Test
  void ringOutsideEveryRegion() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_VRING_ADDR,
        new VringAddress(0, 0, 0x10, 0x2000, 0x1000, 0).encode());
  }

  @Test
  void ringAddressBeforeAnyMemoryTable() throws Exception {
    f.send(FrontendRequest.SET_VRING_ADDR,
        new VringAddress(0, 0, 0x1000, 0x3000, 0x2000, 0).encode());
    assertTrue(f.backendClosed());
  }

  @Test
  void vringIndexOutOfRange() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_VRING_NUM, new VringState(7, 64).encode());
  }

  @Test
  void vringSizeNotAPowerOfTwo() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_VRING_NUM, new VringState(0, 100).encode());
  }

  @Test
  void vringSizeAboveTheDeviceMaximum() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_VRING_NUM, new VringState(0, 512).encode());
  }

  @Test
  void featuresNeverOffered() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_FEATURES, Payloads.encodeU64(1L << 63));
  }

  @Test
  void secondSetOwner() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_OWNER, new byte[0]);
  }

  @Test
  void gatedRequestWithoutItsProtocolFeature() throws Exception {
    f.getU64(FrontendRequest.GET_FEATURES);
    f.send(FrontendRequest.SET_PROTOCOL_FEATURES, Payloads.encodeU64(0));
    f.send(FrontendRequest.GET_QUEUE_NUM, new byte[0]);
    assertTrue(f.backendClosed());
  }

  @Test
  void unsupportedRequestIsRejectedCleanly() throws Exception {
    expectAckOneThenClose(FrontendRequest.SET_LOG_FD, new byte[0]);
  }

  @Test
  void noAckWithoutReplyAckButStillClosed() throws Exception {
    f.send(FrontendRequest.SET_FEATURES, Header.NEED_REPLY, Payloads.encodeU64(1L << 63));
    assertTrue(f.backendClosed());
  }

  @Test
  void fdsOfARejectedMessageAreClosed() throws Exception {
    // The session's two workers each hold an exit eventfd and its two vrings a wake eventfd;
    // they go with the session.
    int baseline = openEventFds() - 4;
    EventFd fd = EventFd.create();
    f.send(FrontendRequest.SET_VRING_NUM, new VringState(0, 64).encode(), fd.fd());
    assertTrue(f.backendClosed());
    fd.close();
    assertEquals(baseline, openEventFds(), "the backend kept the stray eventfd");
  }

  static int openEventFds() throws IOException {
    int n = 0;
    try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      for (var p : (Iterable<java.nio.file.Path>) s::iterator) {
        try {
          if (java.nio.file.Files.readSymbolicLink(p).toString().contains("eventfd")) {
            n++;
          }
        } catch (IOException gone) {
          // closed while we looked
        }
      }
    }
    return n;
  }
}
