// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.input.EventPump.EV_SYN;
import static org.vhostdevice.device.input.EventPump.SYN_REPORT;
import static org.vhostdevice.device.input.InputConfig.EV_KEY;
import static org.vhostdevice.device.input.InputConfig.EV_LED;
import static org.vhostdevice.device.input.InputConfig.EV_REL;
import static org.vhostdevice.device.input.InputConfig.EV_SND;
import static org.vhostdevice.device.input.VirtioInputDevice.EVENTQ;
import static org.vhostdevice.device.input.VirtioInputDevice.STATUSQ;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.vhostuser.testing.QueueHarness;

/** The virtio-input device over fake guest memory and a fake event device. */
class VirtioInputDeviceTest {
  private final FakeEvdevIo io = new FakeEvdevIo();
  private QueueHarness eventq;
  private QueueHarness statusq;
  private VirtioInputDevice device;
  private final Semaphore wakes = new Semaphore(0);

  @BeforeEach
  void setUp() throws Exception {
    device = VirtioInputDevice.open(io, "/dev/input/event5", true);
    eventq = new QueueHarness(EVENTQ, 16, VirtioInputDevice.QUEUE_SIZE);
    statusq = new QueueHarness(STATUSQ, 16, VirtioInputDevice.QUEUE_SIZE);
    eventq.vq.bindWaker(wakes::release);
    device.queueStarted(EVENTQ, eventq.vq);
    device.queueStarted(STATUSQ, statusq.vq);
  }

  @AfterEach
  void tearDown() {
    device.close();
    eventq.close();
    statusq.close();
  }

  /** Feeds one packet straight into the pump (as its thread would). */
  private void packet(int... tcv) {
    for (int i = 0; i < tcv.length; i += 3) {
      device.pump().accept(tcv[i], tcv[i + 1], tcv[i + 2]);
    }
    device.pump().accept(EV_SYN, SYN_REPORT, 0);
  }

  /** Posts {@code n} event buffers of {@code len} bytes, 64 bytes apart; returns the first. */
  private long postEventBuffers(int n, int len) {
    long base = QueueHarness.DATA;
    for (int i = 0; i < n; i++) {
      eventq.driver.publish(eventq.driver.addChain(new Buffer(base + 64L * i, len, true)));
    }
    return base;
  }

  private int[] eventAt(long gpa) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(eventq.read(gpa, 8)).order(ByteOrder.LITTLE_ENDIAN);
    return new int[] {Short.toUnsignedInt(b.getShort()), Short.toUnsignedInt(b.getShort()),
        b.getInt()};
  }

  private static byte[] status(int type, int code, int value) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) type).putShort((short) code).putInt(value).array();
  }

  private UsedElement sendStatus(byte[] msg) throws Exception {
    statusq.write(QueueHarness.DATA, msg);
    statusq.driver.publish(statusq.driver.addChain(
        new Buffer(QueueHarness.DATA, msg.length, false)));
    device.handleQueue(STATUSQ, statusq.vq);
    return statusq.used();
  }

  @Test
  void advertisesTheRustFeatureWordQueuesAndConfig() {
    assertEquals(0x1_7000_0000L, device.features(), "no NOTIFY_ON_EMPTY");
    assertEquals(18, device.deviceType());
    assertEquals(2, device.numQueues());
    assertEquals(1024, device.maxQueueSize(EVENTQ));
    assertEquals(1024, device.maxQueueSize(STATUSQ));
    assertEquals(device.workerOf(EVENTQ), device.workerOf(STATUSQ));
    assertEquals(136, device.configSize());
    assertEquals(0, device.extraProtocolFeatures(), "CONFIG comes with the config size");
  }

  @Test
  void eventsGoOnePerBufferAsLittleEndianRecords() throws Exception {
    packet(EV_REL, 0, -7, EV_REL, 1, 300);
    long at = postEventBuffers(3, 8);
    device.handleQueue(EVENTQ, eventq.vq);
    for (int i = 0; i < 3; i++) {
      UsedElement e = eventq.used();
      assertEquals(8, e.len());
    }
    assertArrayEquals(new int[] {EV_REL, 0, -7}, eventAt(at));
    assertArrayEquals(new int[] {EV_REL, 1, 300}, eventAt(at + 64));
    assertArrayEquals(new int[] {EV_SYN, SYN_REPORT, 0}, eventAt(at + 128));
    assertTrue(device.pump().isEmpty());
  }

  @Test
  void withoutGuestBuffersEventsWaitForThem() throws Exception {
    packet(EV_KEY, 30, 1);
    device.handleQueue(EVENTQ, eventq.vq);
    assertNull(eventq.used(), "no buffer, nothing used");
    assertEquals(2, device.pump().size(), "the Rust daemon discards them here");
    long at = postEventBuffers(1, 8);
    device.handleQueue(EVENTQ, eventq.vq);
    assertEquals(8, eventq.used().len());
    assertArrayEquals(new int[] {EV_KEY, 30, 1}, eventAt(at));
    assertEquals(1, device.pump().size(), "the SYN_REPORT waits for the next buffer");
  }

  @Test
  void withNoEventsBuffersStayWithTheDevice() throws Exception {
    postEventBuffers(2, 8);
    device.handleQueue(EVENTQ, eventq.vq);
    assertNull(eventq.used());
    packet(EV_KEY, 2, 1);
    device.handleQueue(EVENTQ, eventq.vq);
    assertEquals(8, eventq.used().len());
    assertEquals(8, eventq.used().len());
  }

  @Test
  void aBufferShorterThanAnEventIsReturnedEmptyAndTheEventKept() throws Exception {
    packet(EV_KEY, 30, 1);
    eventq.driver.publish(eventq.driver.addChain(new Buffer(QueueHarness.DATA, 7, true)));
    eventq.driver.publish(eventq.driver.addChain(new Buffer(QueueHarness.DATA + 64, 8, true)));
    device.handleQueue(EVENTQ, eventq.vq);
    assertEquals(0, eventq.used().len());
    assertEquals(8, eventq.used().len());
    assertArrayEquals(new int[] {EV_KEY, 30, 1}, eventAt(QueueHarness.DATA + 64));
    assertEquals(1, device.shortBuffers());
  }

  @Test
  void aReadOnlyEventBufferIsReturnedEmpty() throws Exception {
    packet(EV_KEY, 30, 1);
    eventq.driver.publish(eventq.driver.addChain(new Buffer(QueueHarness.DATA, 8, false)));
    device.handleQueue(EVENTQ, eventq.vq);
    assertEquals(0, eventq.used().len());
    assertEquals(2, device.pump().size());
  }

  @Test
  void anEventMaySpanTwoDescriptors() throws Exception {
    packet(EV_KEY, 0x1c, 1);
    eventq.driver.publish(eventq.driver.addChain(new Buffer(QueueHarness.DATA, 3, true),
        new Buffer(QueueHarness.DATA + 100, 5, true)));
    device.handleQueue(EVENTQ, eventq.vq);
    assertEquals(8, eventq.used().len());
    byte[] a = eventq.read(QueueHarness.DATA, 3);
    byte[] b = eventq.read(QueueHarness.DATA + 100, 5);
    assertArrayEquals(new byte[] {1, 0, 0x1c, 0, 1, 0, 0, 0},
        new byte[] {a[0], a[1], a[2], b[0], b[1], b[2], b[3], b[4]});
  }

  @Test
  void aMalformedChainIsReturnedEmptyAndTheQueueGoesOn() throws Exception {
    packet(EV_KEY, 30, 1);
    eventq.driver.publish(eventq.driver.addChain(new Buffer(0x7000_0000L, 8, true)));
    long at = postEventBuffers(1, 8);
    device.handleQueue(EVENTQ, eventq.vq);
    assertEquals(0, eventq.used().len(), "outside guest memory");
    assertEquals(8, eventq.used().len());
    assertArrayEquals(new int[] {EV_KEY, 30, 1}, eventAt(at));
  }

  @Test
  void aLedStatusIsWrittenToTheEventDevice() throws Exception {
    assertEquals(0, sendStatus(status(EV_LED, 1, 1)).len());
    assertEquals(0, sendStatus(status(EV_SND, 2, 1000)).len());
    assertEquals(List.of(new FakeEvdevIo.Feedback(EV_LED, 1, 1),
        new FakeEvdevIo.Feedback(EV_SND, 2, 1000)), io.feedback);
  }

  @Test
  void statusOfOtherTypesIsNotPassedToTheDevice() throws Exception {
    assertEquals(0, sendStatus(status(EV_KEY, 30, 1)).len());
    assertEquals(0, sendStatus(status(0x14, 0, 250)).len()); // EV_REP
    assertTrue(io.feedback.isEmpty());
  }

  @Test
  void aShortStatusIsReturnedAndTheQueueGoesOn() throws Exception {
    assertEquals(0, sendStatus(new byte[] {0x11, 0, 1}).len());
    assertEquals(0, sendStatus(status(EV_LED, 0, 1)).len());
    assertEquals(List.of(new FakeEvdevIo.Feedback(EV_LED, 0, 1)), io.feedback);
  }

  @Test
  void aFailedFeedbackWriteDoesNotStopTheQueue() throws Exception {
    io.writeFails = true;
    assertEquals(0, sendStatus(status(EV_LED, 1, 1)).len());
    io.writeFails = false;
    assertEquals(0, sendStatus(status(EV_LED, 1, 0)).len());
    assertEquals(List.of(new FakeEvdevIo.Feedback(EV_LED, 1, 0)), io.feedback);
  }

  @Test
  void eventsFromTheDeviceWakeTheEventQueue() throws Exception {
    io.emit(io.lastFd(), EV_KEY, 30, 1, EV_SYN, SYN_REPORT, 0);
    assertTrue(wakes.tryAcquire(10, TimeUnit.SECONDS));
    long at = postEventBuffers(2, 8);
    device.handleQueue(EVENTQ, eventq.vq);
    assertArrayEquals(new int[] {EV_KEY, 30, 1}, eventAt(at));
  }

  @Test
  void startingTheEventQueueGrabsAndStoppingItUngrabsAndDropsEvents() throws Exception {
    assertEquals(List.of(true), io.grabs);
    packet(EV_KEY, 30, 1);
    device.queueStopped(EVENTQ);
    assertEquals(List.of(true, false), io.grabs);
    assertTrue(device.pump().isEmpty());
    device.queueStarted(EVENTQ, eventq.vq);
    assertEquals(List.of(true, false, true), io.grabs);
  }

  @Test
  void resetClearsTheConfigSelection() {
    device.writeConfig(0, new byte[] {InputConfig.ID_DEVIDS});
    device.reset();
    byte[] cfg = new byte[136];
    device.readConfig(0, cfg);
    assertArrayEquals(new byte[136], cfg);
  }

  @Test
  void closeEndsTheThreadAndClosesTheEventDevice() throws Exception {
    int fd = io.lastFd();
    device.close();
    assertFalse(device.pump().running());
    assertFalse(Fds.isOpen(fd));
    assertEquals(0, io.openCount());
  }
}
