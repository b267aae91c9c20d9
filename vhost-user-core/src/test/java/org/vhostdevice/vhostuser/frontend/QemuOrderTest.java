// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.frontend.RecordingBackend.Seen;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;

/** The exact requests, flags and fds of QEMU 7.2's sequences (core.md §4.3). */
class QemuOrderTest {
  private static final long ALL_PROTOCOL = Frontend.SUPPORTED_PROTOCOL_FEATURES
      | ProtocolFeatures.BACKEND_REQ | ProtocolFeatures.LOG_SHMFD;

  private GuestRam ram;
  private final List<FrontendQueue> queues = new ArrayList<>();

  @BeforeEach
  void ram() throws Exception {
    ram = GuestRam.create(List.of(new long[] {0x10_0000, 1 << 20}, new long[] {0x20_0000, 4096}));
  }

  @AfterEach
  void free() {
    queues.forEach(FrontendQueue::close);
    ram.close();
  }

  private FrontendQueue[] queues(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      queues.add(new FrontendQueue(i, ram, 64));
    }
    return queues.toArray(new FrontendQueue[0]);
  }

  private static List<String> repeat(int n, String... names) {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.addAll(List.of(names));
    }
    return all;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void initAsksEverythingBeforeOwningAndMasksCallsBeforeMemory() throws Exception {
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, ALL_PROTOCOL)) {
      Frontend.Negotiated n = b.front.qemuInit(2);
      assertEquals(new Frontend.Negotiated(VirtioDevice.COMMON_FEATURES,
          Frontend.SUPPORTED_PROTOCOL_FEATURES, 4, 509), n);
      List<Seen> seen = b.requests();
      assertEquals(List.of("GET_FEATURES", "GET_PROTOCOL_FEATURES", "SET_PROTOCOL_FEATURES",
          "GET_QUEUE_NUM", "GET_MAX_MEM_SLOTS", "SET_OWNER", "GET_FEATURES", "SET_VRING_CALL",
          "SET_VRING_CALL"), seen.stream().map(Seen::toString).toList());
      // Unknown and unwanted protocol features are not agreed to.
      assertEquals(Frontend.SUPPORTED_PROTOCOL_FEATURES, u64(seen.get(2).payload()));
      assertEquals(1, seen.get(7).fds());
      assertEquals(1, u64(seen.get(8).payload()));
      // QEMU asks no ack of these: only SET_MEM_TABLE & co. carry NEED_REPLY.
      seen.forEach(s -> assertEquals(Header.VERSION, s.flags(), s.toString()));
    }
  }

  @Test
  void startSendsFeaturesMemoryRingsThenEnables() throws Exception {
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, ALL_PROTOCOL)) {
      b.front.qemuInit(2);
      b.clear();
      FrontendQueue[] q = queues(2);
      b.front.start(ram, VirtioFeatures.VERSION_1, q);
      List<Seen> seen = b.requests();
      List<String> expected = concat(List.of("SET_FEATURES", "ADD_MEM_REG", "ADD_MEM_REG"),
          concat(repeat(2, "SET_VRING_NUM", "SET_VRING_BASE", "SET_VRING_ADDR", "SET_VRING_KICK",
              "SET_VRING_CALL"), repeat(2, "SET_VRING_ENABLE")));
      assertEquals(expected, seen.stream().map(Seen::toString).toList());
      assertEquals(VirtioFeatures.VERSION_1 | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES,
          u64(seen.get(0).payload()));
      for (Seen s : seen) {
        boolean acked = Frontend.SYNCHRONOUS.contains(s.request());
        assertEquals(acked ? Header.VERSION | Header.NEED_REPLY : Header.VERSION, s.flags(),
            s.toString());
      }
      assertEquals(1, seen.get(1).fds());
    }
  }

  @Test
  void ringAddressesAreOurVirtualAddresses() throws Exception {
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, ALL_PROTOCOL)) {
      b.front.qemuInit(1);
      FrontendQueue q = queues(1)[0];
      b.front.start(ram, 0, q);
      Seen addr = b.requests().stream()
          .filter(s -> s.toString().equals("SET_VRING_ADDR")).findFirst().orElseThrow();
      ByteBuffer p = ByteBuffer.wrap(addr.payload()).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(ram.userAddr(q.driver().descTable()), p.getLong(8));
      assertEquals(ram.userAddr(q.driver().usedRing()), p.getLong(16));
      assertEquals(ram.userAddr(q.driver().availRing()), p.getLong(24));
    }
  }

  @Test
  void withoutReplyAckSynchronousRequestsAreFollowedByGetFeatures() throws Exception {
    long noAck = Frontend.SUPPORTED_PROTOCOL_FEATURES
        & ~(ProtocolFeatures.REPLY_ACK | ProtocolFeatures.CONFIGURE_MEM_SLOTS);
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, noAck)) {
      b.front.setNeedReply(true);
      b.front.qemuInit(1);
      b.clear();
      b.front.start(ram, 0, queues(1));
      List<Seen> seen = b.requests();
      assertEquals(List.of("SET_FEATURES", "SET_MEM_TABLE", "GET_FEATURES", "SET_VRING_NUM",
          "SET_VRING_BASE", "SET_VRING_ADDR", "SET_VRING_KICK", "SET_VRING_CALL",
          "SET_VRING_ENABLE", "GET_FEATURES"), seen.stream().map(Seen::toString).toList());
      seen.forEach(s -> assertEquals(Header.VERSION, s.flags(), s.toString()));
      assertEquals(2, seen.get(1).fds());
    }
  }

  @Test
  void needReplyAsksAnAckOfEveryRequestWithoutAReply() throws Exception {
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, ALL_PROTOCOL)) {
      b.front.setNeedReply(true);
      b.front.qemuInit(1);
      b.front.start(ram, 0, queues(1));
      for (Seen s : b.requests()) {
        boolean body = s.request().hasExplicitReply()
            || s.request() == FrontendRequest.SET_PROTOCOL_FEATURES;
        assertEquals(body ? Header.VERSION : Header.VERSION | Header.NEED_REPLY, s.flags(),
            s.toString());
      }
    }
  }

  @Test
  void backendChannelIsHandedOverBeforeOwning() throws Exception {
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, ALL_PROTOCOL)) {
      b.front.setWantedProtocolFeatures(
          Frontend.SUPPORTED_PROTOCOL_FEATURES | ProtocolFeatures.BACKEND_REQ);
      b.front.qemuInit(1);
      List<Seen> seen = b.requests();
      assertEquals(List.of("GET_FEATURES", "GET_PROTOCOL_FEATURES", "SET_PROTOCOL_FEATURES",
          "GET_QUEUE_NUM", "GET_MAX_MEM_SLOTS", "SET_BACKEND_REQ_FD", "SET_OWNER", "GET_FEATURES",
          "SET_VRING_CALL"), seen.stream().map(Seen::toString).toList());
      assertEquals(1, seen.get(5).fds());
      assertEquals(Header.VERSION | Header.NEED_REPLY, seen.get(5).flags());
      assertNotNull(b.front.backendChannel());
    }
  }

  @Test
  void stopDisablesEveryQueueThenAsksTheBases() throws Exception {
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, ALL_PROTOCOL)) {
      b.front.qemuInit(2);
      FrontendQueue[] q = queues(2);
      b.front.start(ram, 0, q);
      b.clear();
      assertArrayEquals(new int[] {7, 7}, b.front.stop(q));
      assertEquals(List.of("SET_VRING_ENABLE", "SET_VRING_ENABLE", "GET_VRING_BASE",
          "GET_VRING_BASE"), b.names());
      assertEquals(7, q[1].base());
    }
  }

  @Test
  void withoutProtocolFeaturesThereIsNoNegotiationAndNoEnable() throws Exception {
    long plain = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX;
    try (RecordingBackend b = new RecordingBackend(plain, 0)) {
      assertEquals(new Frontend.Negotiated(plain, 0, 1, 8), b.front.qemuInit(1));
      FrontendQueue[] q = queues(1);
      b.front.start(ram, VirtioFeatures.VERSION_1, q);
      b.front.stop(q);
      List<Seen> seen = b.requests();
      assertEquals(List.of("GET_FEATURES", "SET_OWNER", "GET_FEATURES", "SET_VRING_CALL",
          "SET_FEATURES", "SET_MEM_TABLE", "GET_FEATURES", "SET_VRING_NUM", "SET_VRING_BASE",
          "SET_VRING_ADDR", "SET_VRING_KICK", "SET_VRING_CALL", "GET_VRING_BASE"),
          seen.stream().map(Seen::toString).toList());
      // Bit 30 is only added to SET_FEATURES when the backend offered it.
      assertEquals(VirtioFeatures.VERSION_1, u64(seen.get(4).payload()));
    }
  }

  @Test
  void tooFewQueuesFailInit() throws Exception {
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, ALL_PROTOCOL)) {
      assertThrows(IOException.class, () -> b.front.qemuInit(5));
    }
  }

  @Test
  void memoryChangesAreSentAsADifferenceWithMemSlots() throws Exception {
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, ALL_PROTOCOL);
        GuestRam other = GuestRam.create(0x40_0000, 4096)) {
      b.front.qemuInit(1);
      b.clear();
      b.front.qemuSetMemory(ram);
      b.front.qemuSetMemory(ram);
      b.front.qemuSetMemory(other);
      assertEquals(List.of("ADD_MEM_REG", "ADD_MEM_REG", "REM_MEM_REG", "REM_MEM_REG",
          "ADD_MEM_REG"), b.names());
    }
  }

  private static long u64(byte[] payload) {
    return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
  }
}
