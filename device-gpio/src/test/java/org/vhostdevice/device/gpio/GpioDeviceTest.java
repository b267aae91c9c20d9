// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/** Both queues over fake guest memory and a programmable chip (Rust's vhu_gpio tests). */
class GpioDeviceTest {
  private static final long BASE = 0x1_0000;
  private static final long REQ = BASE + 0x8000;
  private static final long RESP = BASE + 0xA000;
  private static final long EVQ_RING = BASE + 0x4000;

  private Arena arena;
  private GuestMemory memory;
  private DriverQueue requests;
  private DriverQueue events;
  private SplitQueue requestRing;
  private SplitQueue eventRing;
  private VirtQueue requestVq;
  private VirtQueue eventVq;
  private ProgrammableChip chip;
  private GpioDevice device;
  private final Semaphore wakes = new Semaphore(0);
  private int slot;

  @BeforeEach
  void setUp() throws Exception {
    arena = Arena.ofShared();
    MemorySegment ram = arena.allocate(0x10000, 4096);
    GuestRegion region = GuestRegion.ofSegment(BASE, ram.address(), ram, null);
    memory = GuestMemory.of(List.of(region));
    region.release();
    requests = DriverQueue.layout(memory, 64, BASE);
    events = DriverQueue.layout(memory, 64, EVQ_RING);
    requestRing = ring(requests);
    eventRing = ring(events);
    requestVq = new VirtQueue(0, requestRing);
    eventVq = new VirtQueue(1, eventRing);
    requestVq.beginBatch(memory);
    eventVq.beginBatch(memory);
    eventVq.bindWaker(wakes::release);
    chip = new ProgrammableChip(8);
    device = new GpioDevice(new GpioController(chip));
    device.queueStarted(0, requestVq);
    device.queueStarted(1, eventVq);
  }

  private static SplitQueue ring(DriverQueue d) throws Exception {
    SplitQueue q = new SplitQueue(GpioDevice.QUEUE_SIZE);
    q.setSize(64);
    q.setAddresses(d.descTable(), d.availRing(), d.usedRing());
    return q;
  }

  @AfterEach
  void tearDown() {
    device.queueStopped(1);
    chip.close();
    memory.release();
    arena.close();
  }

  /** Queues a request with a response buffer of 1 + {@code payload} bytes; returns its slot. */
  private int request(int type, int gpio, int value, int payload) throws Exception {
    int s = slot++;
    MemorySegment req = memory.slice(REQ + s * 8L, 8);
    req.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) type);
    req.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) gpio);
    req.set(ValueLayout.JAVA_INT_UNALIGNED, 4, value);
    memory.slice(RESP + s * 0x40L, 0x40).fill((byte) 0x5A);
    requests.publish(requests.addChain(new Buffer(REQ + s * 8L, 8, false),
        new Buffer(RESP + s * 0x40L, 1 + payload, true)));
    return s;
  }

  private byte[] response(int s, int n) throws Exception {
    byte[] b = new byte[n];
    memory.read(RESP + s * 0x40L, MemorySegment.ofArray(b));
    return b;
  }

  private UsedElement serveRequests() throws Exception {
    device.handleQueue(0, requestVq);
    requestRing.publishUsed(memory);
    return requests.pollUsed();
  }

  /** Queues an event buffer for {@code gpio}; its status byte is at the returned address. */
  private long eventBuffer(int gpio) throws Exception {
    int s = slot++;
    long req = REQ + s * 8L;
    memory.slice(req, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) gpio);
    long status = RESP + s * 0x40L;
    memory.slice(status, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5A);
    events.publish(events.addChain(new Buffer(req, 2, false), new Buffer(status, 1, true)));
    return status;
  }

  private UsedElement serveEvents() throws Exception {
    device.handleQueue(1, eventVq);
    eventRing.publishUsed(memory);
    return events.pollUsed();
  }

  private int statusAt(long addr) throws Exception {
    return memory.slice(addr, 1).get(ValueLayout.JAVA_BYTE, 0);
  }

  private void ok(UsedElement e, int s, int result) throws Exception {
    assertEquals(2, e.len());
    assertArrayEquals(new byte[] {0, (byte) result}, response(s, 2));
  }

  @Test
  void advertisesTheRustFeatureWordLayoutAndConfig() {
    assertEquals(0x1_7100_0001L, device.features());
    assertEquals(41, device.deviceType());
    assertEquals(2, device.numQueues());
    assertEquals(256, device.maxQueueSize(1));
    assertEquals(8, device.configSize());
    byte[] config = new byte[8];
    device.readConfig(0, config);
    assertArrayEquals(new byte[] {8, 0, 0, 0, 28, 0, 0, 0}, config);
    byte[] tail = new byte[4];
    device.readConfig(4, tail);
    assertArrayEquals(new byte[] {28, 0, 0, 0}, tail);
  }

  @Test
  void setValueAnswersOkWithPayloadZero() throws Exception {
    int s = request(5, 0, 1, 1);
    ok(serveRequests(), s, 0);
    assertEquals(List.of("value 0 1"), chip.calls);
  }

  @Test
  void aBatchOfSetValueSetDirectionGetValueGetDirection() throws Exception {
    int a = request(5, 3, 1, 1);
    int b = request(3, 3, GpioChip.DIRECTION_OUT, 1);
    int c = request(4, 3, 0, 1);
    int d = request(2, 3, 0, 1);
    device.handleQueue(0, requestVq);
    requestRing.publishUsed(memory);
    ok(requests.pollUsed(), a, 0);
    ok(requests.pollUsed(), b, 0);
    ok(requests.pollUsed(), c, 1);
    ok(requests.pollUsed(), d, GpioChip.DIRECTION_OUT);
  }

  @Test
  void getLineNamesReturnsTheBlob() throws Exception {
    int s = request(1, 0, 0, 28);
    UsedElement e = serveRequests();
    assertEquals(29, e.len());
    byte[] r = response(s, 29);
    assertEquals(0, r[0]);
    assertEquals("gpio0\0\0gpio2\0\0gpio4\0\0gpio6\0\0",
        new String(r, 1, 28, StandardCharsets.US_ASCII));
  }

  @Test
  void aResponseBufferOfTheWrongSizeAnswersErrWithTheBytesWritten() throws Exception {
    int s = request(4, 0, 0, 3);
    UsedElement e = serveRequests();
    assertEquals(2, e.len(), "only status and value were written, not the whole buffer");
    assertArrayEquals(new byte[] {1, 0, 0x5A}, response(s, 3));
  }

  @Test
  void aLinePastTheLastAnswersErrAndTheQueueGoesOn() throws Exception {
    int bad = request(5, 8, 1, 1);
    int good = request(5, 7, 1, 1);
    device.handleQueue(0, requestVq);
    requestRing.publishUsed(memory);
    assertEquals(2, requests.pollUsed().len());
    assertEquals(1, response(bad, 1)[0]);
    ok(requests.pollUsed(), good, 0);
  }

  @Test
  void anUnknownRequestTypeAnswersErr() throws Exception {
    int s = request(100, 0, 0, 1);
    serveRequests();
    assertEquals(1, response(s, 1)[0]);
  }

  @Test
  void outputWithoutAValueAnswersErr() throws Exception {
    int s = request(3, 0, GpioChip.DIRECTION_OUT, 1);
    serveRequests();
    assertEquals(1, response(s, 1)[0]);
  }

  @Test
  void malformedRequestsAreReturnedAndTheQueueGoesOn() throws Exception {
    int one = requests.addChain(new Buffer(REQ, 8, false));
    requests.publish(one);
    int writableHeader = requests.addChain(new Buffer(REQ, 8, true), new Buffer(RESP, 2, true));
    requests.publish(writableHeader);
    int shortHeader = requests.addChain(new Buffer(REQ, 4, false), new Buffer(RESP, 2, true));
    requests.publish(shortHeader);
    int readableResponse = requests.addChain(new Buffer(REQ, 8, false),
        new Buffer(RESP, 2, false));
    requests.publish(readableResponse);
    slot = 1;
    int good = request(5, 0, 1, 1);
    device.handleQueue(0, requestVq);
    requestRing.publishUsed(memory);
    assertEquals(new UsedElement(one, 0), requests.pollUsed());
    assertEquals(writableHeader, requests.pollUsed().id());
    assertEquals(new UsedElement(shortHeader, 2), requests.pollUsed());
    assertEquals(new UsedElement(readableResponse, 0), requests.pollUsed());
    ok(requests.pollUsed(), good, 0);
  }

  @Test
  void anEventBufferWithoutAnInterruptTypeIsInvalidAtOnce() throws Exception {
    long status = eventBuffer(2);
    UsedElement e = serveEvents();
    assertEquals(1, e.len());
    assertEquals(GpioDevice.VIRTIO_GPIO_IRQ_STATUS_INVALID, statusAt(status));
  }

  @Test
  void anEventBufferForALinePastTheLastIsInvalid() throws Exception {
    long status = eventBuffer(9);
    assertEquals(1, serveEvents().len());
    assertEquals(0, statusAt(status));
  }

  private void armBoth(int line) throws Exception {
    request(6, line, IrqType.EDGE_BOTH, 1);
    assertEquals(2, serveRequests().len());
  }

  @Test
  void anEdgeCompletesTheWaitingBufferThroughAWakeUp() throws Exception {
    armBoth(1);
    long status = eventBuffer(1);
    assertNull(serveEvents(), "the buffer waits");
    chip.fire(1, true);
    assertTrue(wakes.tryAcquire(10, TimeUnit.SECONDS), "the edge loop woke the event queue");
    UsedElement e = serveEvents();
    assertEquals(1, e.len());
    assertEquals(GpioDevice.VIRTIO_GPIO_IRQ_STATUS_VALID, statusAt(status));
  }

  @Test
  void edgesOnThreeLinesCompleteTheirOwnBuffers() throws Exception {
    for (int line : new int[] {0, 3, 5}) {
      armBoth(line);
    }
    long s0 = eventBuffer(0);
    long s3 = eventBuffer(3);
    long s5 = eventBuffer(5);
    assertNull(serveEvents());
    chip.fire(3, false);
    assertTrue(wakes.tryAcquire(10, TimeUnit.SECONDS));
    assertEquals(1, serveEvents().len());
    assertEquals(1, statusAt(s3));
    assertEquals(0x5A, statusAt(s0));
    chip.fire(0, true);
    chip.fire(5, true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int done = 0;
    while (done < 2 && System.nanoTime() < deadline) {
      wakes.tryAcquire(100, TimeUnit.MILLISECONDS);
      device.handleQueue(1, eventVq);
      eventRing.publishUsed(memory);
      while (events.pollUsed() != null) {
        done++;
      }
    }
    assertEquals(2, done);
    assertEquals(1, statusAt(s0));
    assertEquals(1, statusAt(s5));
  }

  @Test
  void anEdgeTheLineIsNotArmedForIsIgnored() throws Exception {
    request(6, 1, IrqType.EDGE_RISING, 1);
    serveRequests();
    long status = eventBuffer(1);
    serveEvents();
    chip.fire(1, false);
    assertTrue(!wakes.tryAcquire(300, TimeUnit.MILLISECONDS), "a falling edge is no interrupt");
    assertNull(serveEvents());
    assertEquals(0x5A, statusAt(status));
  }

  @Test
  void anEdgeBeforeTheBufferIsLatchedAndCompletesItAtOnce() throws Exception {
    armBoth(2);
    chip.fire(2, true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (chip.drained.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10); // the edge loop latches it; nobody waits yet
    }
    long status = eventBuffer(2);
    UsedElement e = serveEvents();
    assertEquals(1, e.len());
    assertEquals(1, statusAt(status));
  }

  @Test
  void disablingTheInterruptReturnsTheWaitingBufferInvalid() throws Exception {
    armBoth(4);
    long status = eventBuffer(4);
    assertNull(serveEvents());
    request(6, 4, IrqType.NONE, 1);
    assertEquals(2, serveRequests().len());
    assertTrue(wakes.tryAcquire(1, TimeUnit.SECONDS), "the disable woke the event queue");
    UsedElement e = serveEvents();
    assertEquals(1, e.len());
    assertEquals(GpioDevice.VIRTIO_GPIO_IRQ_STATUS_INVALID, statusAt(status));
  }

  @Test
  void aSecondBufferForAWaitingLineIsInvalid() throws Exception {
    armBoth(6);
    eventBuffer(6);
    long second = eventBuffer(6);
    UsedElement e = serveEvents();
    assertEquals(1, e.len());
    assertEquals(0, statusAt(second));
  }

  @Test
  void malformedEventBuffersAreReturnedEmpty() throws Exception {
    int shortResp = events.addChain(new Buffer(REQ, 2, false), new Buffer(RESP, 2, true));
    events.publish(shortResp);
    int noResp = events.addChain(new Buffer(REQ, 2, false));
    events.publish(noResp);
    device.handleQueue(1, eventVq);
    eventRing.publishUsed(memory);
    assertEquals(new UsedElement(shortResp, 0), events.pollUsed());
    assertEquals(new UsedElement(noResp, 0), events.pollUsed());
  }

  @Test
  void stoppingTheEventQueueDropsWaitsAndTheEdgeLoop() throws Exception {
    armBoth(1);
    eventBuffer(1);
    serveEvents();
    device.queueStopped(1);
    chip.fire(1, true);
    assertTrue(!wakes.tryAcquire(300, TimeUnit.MILLISECONDS), "no loop, no wake-up");
    long before = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("vhost-gpio-edges")).count();
    assertEquals(0, before, "the edge loop thread ended");
  }

  @Test
  void aDeadEdgeLoopEndsTheWaitsWithInvalid() throws Exception {
    armBoth(3);
    long status = eventBuffer(3);
    assertNull(serveEvents());
    chip.drainFailure = new org.vhostdevice.sys.NativeException("read(line request)", 5);
    chip.fire(3, true);
    assertTrue(wakes.tryAcquire(10, TimeUnit.SECONDS), "the dying loop woke the event queue");
    UsedElement e = serveEvents();
    assertEquals(1, e.len());
    assertEquals(GpioDevice.VIRTIO_GPIO_IRQ_STATUS_INVALID, statusAt(status));
    long next = eventBuffer(3);
    assertEquals(1, serveEvents().len(), "later buffers are answered at once");
    assertEquals(GpioDevice.VIRTIO_GPIO_IRQ_STATUS_INVALID, statusAt(next));
  }
}
