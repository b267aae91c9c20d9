// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.backend.BackendSession;
import org.vhostdevice.vhostuser.device.DeviceException;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.transport.Connection;

/** The Java frontend against a real backend session: QEMU's order, data both ways. */
class FrontendTest {
  /** Writes the readable bytes back reversed into the writable part. */
  static final class ReverseDevice implements VirtioDevice {
    final byte[] config = {10, 20, 30, 40, 50, 60, 70, 80};

    @Override
    public String name() {
      return "reverse";
    }

    @Override
    public int deviceType() {
      return 0;
    }

    @Override
    public long features() {
      return COMMON_FEATURES;
    }

    @Override
    public int numQueues() {
      return 1;
    }

    @Override
    public int maxQueueSize(int queue) {
      return 256;
    }

    @Override
    public int configSize() {
      return config.length;
    }

    @Override
    public void readConfig(int offset, byte[] dst) {
      System.arraycopy(config, offset, dst, 0, dst.length);
    }

    @Override
    public void writeConfig(int offset, byte[] data) throws DeviceException {
      throw new DeviceException("read-only");
    }

    @Override
    public void handleQueue(int queue, VirtQueue vq) throws Exception {
      DescriptorChain c;
      while ((c = vq.pop()) != null) {
        byte[] in = new byte[(int) c.reader().remaining()];
        c.reader().readFully(MemorySegment.ofArray(in));
        for (int i = 0; i < in.length / 2; i++) {
          byte t = in[i];
          in[i] = in[in.length - 1 - i];
          in[in.length - 1 - i] = t;
        }
        vq.addUsed(c, (int) c.writer().write(MemorySegment.ofArray(in)));
      }
    }
  }

  private Frontend front;
  private Thread backend;
  private GuestRam ram;
  private EventFd masked;

  @BeforeEach
  void setUp() throws Exception {
    Connection[] pair = Connection.pair();
    BackendSession session = new BackendSession(new ReverseDevice(), pair[1]);
    backend = Thread.ofPlatform().start(() -> {
      try {
        session.serve();
      } catch (IOException e) {
        // ends with the test
      }
    });
    front = Frontend.over(pair[0]);
    ram = GuestRam.create(0x100000, 1 << 20);
    masked = EventFd.create();
  }

  @AfterEach
  void tearDown() throws Exception {
    front.close();
    backend.join(5000);
    ram.close();
    masked.close();
  }

  @Test
  void qemuInitReportsWhatTheBackendOffers() throws Exception {
    Frontend.Negotiated n = front.qemuInit(1, masked);
    assertEquals(VirtioDevice.COMMON_FEATURES, n.features());
    assertEquals(ProtocolFeatures.MQ | ProtocolFeatures.REPLY_ACK | ProtocolFeatures.CONFIG
        | ProtocolFeatures.RESET_DEVICE | ProtocolFeatures.CONFIGURE_MEM_SLOTS, n.protocolFeatures());
    assertEquals(1, n.queues());
    assertEquals(509, n.memSlots());
  }

  @Test
  void qemuInitFailsWhenTheBackendHasTooFewQueues() {
    assertThrows(IOException.class, () -> front.qemuInit(2, masked));
  }

  @Test
  void requestsFlowAfterStartAndStopReportsTheBase() throws Exception {
    front.qemuInit(1, masked);
    try (FrontendQueue q = new FrontendQueue(0, ram, 64)) {
      front.start(ram, VirtioDevice.COMMON_FEATURES, q);
      long in = ram.alloc(16, 8);
      long out = ram.alloc(16, 8);
      ram.memory().write(in, MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
      int head = q.driver().addChain(new Buffer(in, 4, false), new Buffer(out, 4, true));
      q.driver().publish(head);
      q.kick();
      UsedElement e = q.awaitUsed(10_000);
      assertNotNull(e);
      assertEquals(head, e.id());
      assertEquals(4, e.len());
      byte[] got = new byte[4];
      ram.memory().read(out, MemorySegment.ofArray(got));
      assertArrayEquals(new byte[] {4, 3, 2, 1}, got);
      assertArrayEquals(new int[] {1}, front.stop(q));
    }
  }

  @Test
  void eventIdxSessionsServeManyRequests() throws Exception {
    front.qemuInit(1, masked);
    try (FrontendQueue q = new FrontendQueue(0, ram, 64)) {
      front.start(ram, VirtioDevice.COMMON_FEATURES, q);
      long buf = ram.alloc(64, 8);
      for (int i = 0; i < 500; i++) {
        q.driver().publish(q.driver().addChain(new Buffer(buf, 8, false), new Buffer(buf + 8, 8, true)));
        q.kick();
        assertNotNull(q.awaitUsed(10_000), "request " + i);
      }
    }
  }

  @Test
  void configIsReadAndRefusedWritesAreReported() throws Exception {
    front.qemuInit(1, masked);
    assertArrayEquals(new byte[] {30, 40}, front.getConfig(2, 2));
    assertEquals(0, front.getConfig(4, 8).length);
    BackendRefusedException e =
        assertThrows(BackendRefusedException.class, () -> front.setConfig(0, new byte[] {1}));
    assertEquals(1, e.value());
  }

  @Test
  void withoutProtocolFeaturesNoAcksAreAwaited() throws Exception {
    front.setFeatures(VirtioFeatures.VERSION_1);
    assertEquals(VirtioDevice.COMMON_FEATURES, front.getFeatures());
  }
}
