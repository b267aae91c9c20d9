// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;

/** The Java frontend against a real backend session: QEMU's order, data both ways. */
class FrontendTest {
  private static final Duration LIMIT = Duration.ofSeconds(20);

  private SessionThread s;
  private Frontend front;
  private GuestRam ram;

  @BeforeEach
  void setUp() throws Exception {
    s = new SessionThread(new ReverseDevice());
    front = s.front;
    ram = GuestRam.create(0x10_0000, 1 << 20);
  }

  @AfterEach
  void tearDown() throws Exception {
    s.close();
    ram.close();
  }

  /** Sends {@code data} with an equally long writable buffer; returns what the device wrote. */
  private byte[] roundTrip(FrontendQueue q, byte[] data) throws Exception {
    long in = ram.alloc(data.length, 8);
    long out = ram.alloc(data.length, 8);
    ram.memory().write(in, MemorySegment.ofArray(data));
    int head = q.driver().addChain(
        new Buffer(in, data.length, false), new Buffer(out, data.length, true));
    q.driver().publish(head);
    q.kick();
    UsedElement e = q.awaitUsed(10_000);
    assertNotNull(e, "no completion from the backend");
    assertEquals(head, e.id());
    byte[] got = new byte[e.len()];
    ram.memory().read(out, MemorySegment.ofArray(got));
    return got;
  }

  @Test
  void qemuInitReportsWhatTheBackendOffers() throws Exception {
    Frontend.Negotiated n = front.qemuInit(1);
    assertEquals(VirtioDevice.COMMON_FEATURES, n.features());
    assertEquals(Frontend.SUPPORTED_PROTOCOL_FEATURES, n.protocolFeatures());
    assertEquals(1, n.queueNum());
    assertEquals(509, n.memSlots());
  }

  @Test
  void requestsFlowAfterStart() throws Exception {
    front.qemuInit(1);
    try (FrontendQueue q = new FrontendQueue(0, ram, 64)) {
      front.start(ram, VirtioDevice.COMMON_FEATURES, q);
      long in = ram.alloc(4, 8);
      long out = ram.alloc(4, 8);
      ram.memory().write(in, MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
      int head = q.driver().addChain(new Buffer(in, 4, false), new Buffer(out, 4, true));
      q.driver().publish(head);
      q.kick();
      UsedElement e = q.awaitUsed(10_000);
      assertEquals(new UsedElement(head, 4), e);
      byte[] got = new byte[4];
      ram.memory().read(out, MemorySegment.ofArray(got));
      assertArrayEquals(new byte[] {4, 3, 2, 1}, got);
    }
  }

  @Test
  void stopReturnsTheNextAvailableIndexAndARestartGoesOn() throws Exception {
    front.qemuInit(1);
    try (FrontendQueue q = new FrontendQueue(0, ram, 64)) {
      front.start(ram, VirtioDevice.COMMON_FEATURES, q);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(new byte[] {2, 1, (byte) i}, roundTrip(q, new byte[] {(byte) i, 1, 2}));
      }
      assertArrayEquals(new int[] {3}, front.stop(q));
      // Restarting where it stopped: the backend re-reads used.idx and carries on.
      front.start(ram, VirtioDevice.COMMON_FEATURES, q);
      assertArrayEquals(new byte[] {9, 0}, roundTrip(q, new byte[] {0, 9}));
      assertArrayEquals(new int[] {4}, front.stop(q));
    }
  }

  @Test
  void eventIdxSessionServesManyRequestsOneByOne() throws Exception {
    front.qemuInit(1);
    try (FrontendQueue q = new FrontendQueue(0, ram, 16)) {
      front.start(ram, VirtioDevice.COMMON_FEATURES, q);
      long buf = ram.alloc(16, 8);
      for (int i = 0; i < 300; i++) {
        int head = q.driver().addChain(new Buffer(buf, 8, false), new Buffer(buf + 8, 8, true));
        q.driver().publish(head);
        q.kick();
        assertNotNull(q.awaitUsed(10_000), "request " + i);
      }
      assertArrayEquals(new int[] {300}, front.stop(q));
    }
  }

  @Test
  void getConfigReturnsTheDeviceBytes() throws Exception {
    front.qemuInit(1);
    assertArrayEquals(ReverseDevice.CONFIG, front.getConfig(0, 8));
    assertArrayEquals(new byte[] {30, 40}, front.getConfig(2, 2));
    assertEquals(0, front.getConfig(4, 8).length);
  }

  @Test
  void aRefusedConfigWriteIsReportedAndTheSessionGoesOn() throws Exception {
    front.qemuInit(1);
    assertFalse(front.setConfig(0, new byte[] {1}));
    assertEquals(VirtioDevice.COMMON_FEATURES, front.getFeatures());
  }

  @Test
  void everyRequestCanBeAcked() {
    assertTimeoutPreemptively(LIMIT, () -> {
      front.setNeedReply(true);
      front.qemuInit(1);
      try (FrontendQueue q = new FrontendQueue(0, ram, 64)) {
        front.start(ram, VirtioDevice.COMMON_FEATURES, q);
        assertArrayEquals(new byte[] {6, 5}, roundTrip(q, new byte[] {5, 6}));
        front.stop(q);
        front.resetDevice();
      }
    });
  }

  @Test
  void withoutReplyAckGetFeaturesKeepsTheFrontendInStep() {
    assertTimeoutPreemptively(LIMIT, () -> {
      front.setWantedProtocolFeatures(ProtocolFeatures.MQ | ProtocolFeatures.CONFIG);
      front.qemuInit(1);
      try (FrontendQueue q = new FrontendQueue(0, ram, 64)) {
        front.start(ram, VirtioFeatures.VERSION_1, q);
        assertArrayEquals(new byte[] {2, 1}, roundTrip(q, new byte[] {1, 2}));
        assertArrayEquals(new int[] {1}, front.stop(q));
      }
    });
  }

  @Test
  void ringsInALaterRegionAndABufferAcrossAdjacentRegions() throws Exception {
    try (GuestRam three = GuestRam.create(List.of(new long[] {0x10_0000, 0x1000},
        new long[] {0x10_1000, 0x800}, new long[] {0x20_0000, 0x4000}))) {
      three.alloc(1, 1);
      try (FrontendQueue q = new FrontendQueue(0, three, 128)) {
        // Too big for what is left of the first two regions: the rings land in the third.
        assertEquals(0x20_0000, q.driver().descTable());
        front.setWantedProtocolFeatures(Frontend.SUPPORTED_PROTOCOL_FEATURES
            & ~ProtocolFeatures.CONFIGURE_MEM_SLOTS);
        front.qemuInit(1);
        front.start(three, VirtioDevice.COMMON_FEATURES, q);
        long in = 0x10_0ffe;
        long out = 0x10_1100;
        three.memory().write(in, MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
        int head = q.driver().addChain(new Buffer(in, 4, false), new Buffer(out, 4, true));
        q.driver().publish(head);
        q.kick();
        assertEquals(new UsedElement(head, 4), q.awaitUsed(10_000));
        byte[] got = new byte[4];
        three.memory().read(out, MemorySegment.ofArray(got));
        assertArrayEquals(new byte[] {4, 3, 2, 1}, got);
      }
    }
  }
}
