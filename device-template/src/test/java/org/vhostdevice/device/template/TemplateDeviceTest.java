// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.VirtqDesc;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/** The device logic alone: requests built by a driver-side queue over fake guest memory. */
class TemplateDeviceTest {
  private static final long RAM = 0x4000_0000L;
  private static final long HEADER = RAM + 0x10000;
  private static final long OUT = RAM + 0x20000;
  private static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private Arena arena;
  private MemorySegment ram;
  private GuestMemory memory;
  private DriverQueue driver;
  private SplitQueue queue;
  private VirtQueue vq;
  private final TemplateDevice device = new TemplateDevice();

  @BeforeEach
  void setUp() throws Exception {
    arena = Arena.ofShared();
    ram = arena.allocate(1 << 20, 4096);
    GuestRegion region = GuestRegion.ofSegment(RAM, ram.address(), ram, null);
    memory = GuestMemory.of(List.of(region));
    region.release();
    driver = DriverQueue.layout(memory, 64, RAM);
    queue = new SplitQueue(TemplateDevice.QUEUE_SIZE);
    queue.setSize(64);
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
    queue.setReady(true);
    vq = new VirtQueue(0, queue);
    vq.beginBatch(memory);
  }

  @AfterEach
  void tearDown() {
    memory.release();
    arena.close();
  }

  private void header(int a, int b, int c) {
    ram.set(U16, HEADER - RAM, (short) a);
    ram.set(U16, HEADER - RAM + 2, (short) b);
    ram.set(U32, HEADER - RAM + 4, c);
  }

  private UsedElement serveOne() throws Exception {
    device.handleQueue(0, vq);
    queue.publishUsed(memory);
    UsedElement e = driver.pollUsed();
    assertNull(driver.pollUsed(), "one request, one used element");
    return e;
  }

  private byte out(int offset) {
    return ram.get(ValueLayout.JAVA_BYTE, OUT - RAM + offset);
  }

  @Test
  void answersTheSumAndOkStatus() throws Exception {
    header(1, 2, 0x7000_0000);
    int head = driver.addChain(new Buffer(HEADER, 8, false), new Buffer(OUT, 5, true));
    driver.publish(head);
    UsedElement e = serveOne();
    assertEquals(head, e.id());
    assertEquals(5, e.len());
    assertEquals(0x7000_0003, ram.get(U32, OUT - RAM));
    assertEquals(TemplateDevice.STATUS_OK, out(4));
  }

  @Test
  void statusOnlyWhenThereIsNoRoomForTheSum() throws Exception {
    header(1, 1, 1);
    driver.publish(driver.addChain(new Buffer(HEADER, 8, false), new Buffer(OUT, 1, true)));
    assertEquals(1, serveOne().len());
    assertEquals(TemplateDevice.STATUS_OK, out(0));
  }

  @Test
  void shortHeaderGetsBadRequestStatus() throws Exception {
    driver.publish(driver.addChain(new Buffer(HEADER, 6, false), new Buffer(OUT, 5, true)));
    UsedElement e = serveOne();
    assertEquals(5, e.len());
    assertEquals(TemplateDevice.STATUS_BAD_REQUEST, out(4));
  }

  @Test
  void headerSplitAcrossDescriptorsIsReadWhole() throws Exception {
    header(10, 20, 30);
    driver.publish(driver.addChain(
        new Buffer(HEADER, 3, false), new Buffer(HEADER + 3, 5, false), new Buffer(OUT, 5, true)));
    serveOne();
    assertEquals(60, ram.get(U32, OUT - RAM));
  }

  @Test
  void requestWithoutWritableBytesIsReturnedUnused() throws Exception {
    driver.publish(driver.addChain(new Buffer(HEADER, 8, false)));
    assertEquals(0, serveOne().len());
  }

  @Test
  void malformedChainIsReturnedAndTheNextRequestServed() throws Exception {
    header(2, 2, 2);
    int bad = driver.addChain(new Buffer(HEADER, 8, false), new Buffer(OUT, 5, true));
    // Point the second descriptor's next at itself with NEXT set: a loop.
    driver.writeDescriptor(bad, HEADER, 8, VirtqDesc.F_NEXT, bad);
    driver.publish(bad);
    int good = driver.addChain(new Buffer(HEADER, 8, false), new Buffer(OUT + 64, 5, true));
    driver.publish(good);
    device.handleQueue(0, vq);
    queue.publishUsed(memory);
    UsedElement first = driver.pollUsed();
    UsedElement second = driver.pollUsed();
    assertEquals(bad, first.id());
    assertEquals(0, first.len());
    assertEquals(good, second.id());
    assertEquals(6, ram.get(U32, OUT + 64 - RAM));
    assertEquals(1, vq.malformedChains());
  }

  @Test
  void manyRequestsInOneBatch() throws Exception {
    header(1, 1, 1);
    for (int i = 0; i < 32; i++) {
      driver.publish(driver.addChain(new Buffer(HEADER, 8, false), new Buffer(OUT + 8L * i, 5, true)));
    }
    device.handleQueue(0, vq);
    queue.publishUsed(memory);
    int n = 0;
    while (driver.pollUsed() != null) {
      n++;
    }
    assertEquals(32, n);
    assertEquals(32, device.requests());
  }

  @Test
  void resetRestartsTheRequestCounter() throws Exception {
    header(0, 0, 0);
    driver.publish(driver.addChain(new Buffer(HEADER, 8, false), new Buffer(OUT, 1, true)));
    serveOne();
    device.reset();
    assertEquals(0, device.requests());
  }

  @Test
  void advertisesTheRustTemplateFeatureWord() {
    assertEquals(0x1_7100_0000L, device.features());
    assertEquals(1, device.numQueues());
    assertEquals(1024, device.maxQueueSize(0));
  }
}
