// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import org.vhostdevice.vhostuser.testing.QueueHarness;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The console device over fake guest memory, one harness per queue, an in-memory backend. */
class ConsoleDeviceTest {
  private final QueueHarness[] q = new QueueHarness[4];
  private final AtomicInteger[] wakes = new AtomicInteger[4];
  private RecordingBackend backend;
  private ConsolePort port;
  private ConsoleDevice device;

  @BeforeEach
  void setUp() throws Exception {
    backend = new RecordingBackend();
    port = new ConsolePort(backend, 64);
    device = new ConsoleDevice(port, 128);
    for (int i = 0; i < 4; i++) {
      q[i] = new QueueHarness(i, 16, 128);
      AtomicInteger w = new AtomicInteger();
      wakes[i] = w;
      q[i].vq.bindWaker(w::incrementAndGet);
      device.queueStarted(i, q[i].vq);
    }
  }

  @AfterEach
  void tearDown() {
    for (QueueHarness h : q) {
      h.close();
    }
  }

  private static byte[] control(int id, int event, int value) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(id).putShort((short) event).putShort((short) value).array();
  }

  private UsedElement sendControl(byte[] msg) throws Exception {
    QueueHarness h = q[ConsoleDevice.CTRL_TX];
    h.write(QueueHarness.DATA, msg);
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, msg.length, false)));
    device.handleQueue(ConsoleDevice.CTRL_TX, h.vq);
    return h.used();
  }

  /** Posts one control receive buffer per slot and returns what the device wrote into each. */
  private ByteBuffer receiveControl(int len) throws Exception {
    QueueHarness h = q[ConsoleDevice.CTRL_RX];
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, len, true)));
    device.handleQueue(ConsoleDevice.CTRL_RX, h.vq);
    UsedElement e = h.used();
    if (e == null) {
      return null;
    }
    return ByteBuffer.wrap(h.read(QueueHarness.DATA, e.len())).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void advertisesTheRustFeatureWordQueuesAndConfig() {
    assertEquals(0x1_7100_0002L, device.features());
    assertEquals(3, device.deviceType());
    assertEquals(4, device.numQueues());
    assertEquals(128, device.maxQueueSize(0));
    assertEquals(12, device.configSize());
    byte[] cfg = new byte[12];
    device.readConfig(0, cfg);
    ByteBuffer b = ByteBuffer.wrap(cfg).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(20, b.getShort(0));
    assertEquals(20, b.getShort(2));
    assertEquals(1, b.getInt(4));
    assertEquals(64, b.getInt(8));
    byte[] part = new byte[4];
    device.readConfig(4, part);
    assertArrayEquals(new byte[] {1, 0, 0, 0}, part);
  }

  @Test
  void deviceReadyAnswersPortAddWithExactFields() throws Exception {
    assertEquals(0, sendControl(control(0, ControlMessage.DEVICE_READY, 1)).len());
    assertEquals(1, wakes[ConsoleDevice.CTRL_RX].get(), "the control receive queue is woken");
    ByteBuffer m = receiveControl(8);
    assertEquals(8, m.limit());
    assertEquals(0, m.getInt(0));
    assertEquals(ControlMessage.DEVICE_ADD, m.getShort(4));
    assertEquals(1, m.getShort(6));
  }

  @Test
  void deviceReadyWithAFailureValueQueuesNothing() throws Exception {
    sendControl(control(0, ControlMessage.DEVICE_READY, 0));
    assertEquals(0, device.pendingControl());
  }

  @Test
  void portReadyAnswersConsolePortNameAndOpen() throws Exception {
    sendControl(control(0, ControlMessage.PORT_READY, 1));
    ByteBuffer a = receiveControl(64);
    assertEquals(ControlMessage.CONSOLE_PORT, a.getShort(4));
    ByteBuffer b = receiveControl(64);
    assertEquals(ControlMessage.PORT_NAME, b.getShort(4));
    assertEquals(1, b.getShort(6));
    byte[] name = new byte[b.limit() - 8];
    b.get(8, name);
    assertEquals("org.test.foo!", new String(name, java.nio.charset.StandardCharsets.US_ASCII));
    ByteBuffer c = receiveControl(64);
    assertEquals(ControlMessage.PORT_OPEN, c.getShort(4));
    assertEquals(1, c.getShort(6));
    assertEquals(0, device.pendingControl());
  }

  @Test
  void portOpenFromTheGuestIsRecorded() throws Exception {
    sendControl(control(0, ControlMessage.PORT_OPEN, 1));
    assertTrue(device.guestOpen());
    sendControl(control(0, ControlMessage.PORT_OPEN, 0));
    assertFalse(device.guestOpen());
  }

  @Test
  void aShortControlMessageIsReturnedAndTheQueueGoesOn() throws Exception {
    assertEquals(0, sendControl(new byte[] {0, 0, 0, 0, 0}).len());
    sendControl(control(0, ControlMessage.DEVICE_READY, 1));
    assertEquals(1, device.pendingControl());
  }

  @Test
  void anUnknownControlEventIsReturnedAndTheQueueGoesOn() throws Exception {
    assertEquals(0, sendControl(control(0, 4, 1)).len()); // CONSOLE_PORT only goes to the guest
    assertEquals(0, sendControl(control(0, 99, 1)).len());
    sendControl(control(0, ControlMessage.DEVICE_READY, 1));
    assertEquals(1, device.pendingControl());
  }

  @Test
  void aGuestRepeatingDeviceReadyCannotGrowThePendingQueue() throws Exception {
    for (int i = 0; i < 100; i++) {
      sendControl(control(0, ControlMessage.DEVICE_READY, 1));
    }
    assertEquals(ConsoleDevice.MAX_PENDING_CONTROL, device.pendingControl());
  }

  @Test
  void controlReceiveBuffersStayInTheRingWhenNothingIsQueued() throws Exception {
    assertNull(receiveControl(8));
    assertEquals(1, q[ConsoleDevice.CTRL_RX].queue.pending(q[ConsoleDevice.CTRL_RX].memory));
  }

  @Test
  void aControlBufferTooSmallForTheNameIsReturnedAndTheMessageKept() throws Exception {
    sendControl(control(0, ControlMessage.PORT_READY, 1));
    receiveControl(8); // CONSOLE_PORT fits
    ByteBuffer small = receiveControl(8);
    assertEquals(0, small.limit(), "PORT_NAME does not fit in 8 bytes");
    assertEquals(ControlMessage.PORT_NAME, receiveControl(64).getShort(4));
  }

  @Test
  void transmitPassesAnyBytesThroughAndReturnsBuffersWithLengthZero() throws Exception {
    QueueHarness h = q[ConsoleDevice.TX];
    byte[] first = {'a', (byte) 0xe2, (byte) 0x82}; // a euro sign split across two buffers
    byte[] second = {(byte) 0xac, (byte) 0xff, 0};
    h.write(QueueHarness.DATA, first);
    h.write(QueueHarness.DATA + 0x100, second);
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, 3, false)));
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA + 0x100, 3, false)));
    device.handleQueue(ConsoleDevice.TX, h.vq);
    assertEquals(0, h.used().len());
    assertEquals(0, h.used().len());
    assertArrayEquals(new byte[] {'a', (byte) 0xe2, (byte) 0x82, (byte) 0xac, (byte) 0xff, 0},
        backend.written.toByteArray());
  }

  @Test
  void aBufferSpanningTwoRegionsIsSentWhole() throws Exception {
    QueueHarness h = q[ConsoleDevice.TX];
    h.write(QueueHarness.R1 - 4, "straddle".getBytes());
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.R1 - 4, 8, false)));
    device.handleQueue(ConsoleDevice.TX, h.vq);
    assertEquals("straddle", backend.written.toString());
  }

  @Test
  void aFullBackendLeavesTransmitBuffersInTheRing() throws Exception {
    QueueHarness h = q[ConsoleDevice.TX];
    h.write(QueueHarness.DATA, "hi".getBytes());
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, 2, false)));
    backend.full = true;
    device.handleQueue(ConsoleDevice.TX, h.vq);
    assertNull(h.used());
    assertEquals(1, h.queue.pending(h.memory));
    backend.full = false;
    port.outputRoom();
    assertEquals(1, wakes[ConsoleDevice.TX].get(), "room in the backend wakes the transmit queue");
    device.handleQueue(ConsoleDevice.TX, h.vq);
    assertEquals(0, h.used().len());
    assertEquals("hi", backend.written.toString());
  }

  @Test
  void receiveBuffersWaitInTheRingWhileThereIsNoInput() throws Exception {
    QueueHarness h = q[ConsoleDevice.RX];
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, 16, true)));
    device.handleQueue(ConsoleDevice.RX, h.vq);
    assertNull(h.used(), "not consumed, not leaked");
    assertEquals(1, h.queue.pending(h.memory));
  }

  @Test
  void inputFillsEachReceiveBufferWithOneUsedEntry() throws Exception {
    QueueHarness h = q[ConsoleDevice.RX];
    port.input().offer("hello world".getBytes(), 0, 11);
    port.inputArrived();
    assertEquals(1, wakes[ConsoleDevice.RX].get() - 1, "arrival wakes RX (after the start wake)");
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, 8, true)));
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA + 0x100, 8, true)));
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA + 0x200, 8, true)));
    device.handleQueue(ConsoleDevice.RX, h.vq);
    UsedElement a = h.used();
    UsedElement b = h.used();
    assertEquals(8, a.len());
    assertEquals(3, b.len());
    assertNull(h.used(), "exactly one used entry per buffer, the third stays posted");
    assertEquals("hello wo", new String(h.read(QueueHarness.DATA, 8)));
    assertEquals("rld", new String(h.read(QueueHarness.DATA + 0x100, 3)));
  }

  @Test
  void aZeroLengthReceiveBufferIsReturnedNotLeaked() throws Exception {
    QueueHarness h = q[ConsoleDevice.RX];
    port.input().offer(new byte[] {1}, 0, 1);
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, 0, true)));
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA + 0x100, 4, true)));
    device.handleQueue(ConsoleDevice.RX, h.vq);
    UsedElement first = h.used();
    assertEquals(0, first.len());
    assertEquals(1, h.used().len());
  }

  @Test
  void inputTypedBeforeTheGuestStartedIsDeliveredWhenItDoes() throws Exception {
    device.queueStopped(ConsoleDevice.RX);
    port.input().offer("early".getBytes(), 0, 5);
    port.inputArrived(); // nobody attached: nothing happens, the bytes stay
    QueueHarness h = q[ConsoleDevice.RX];
    int before = wakes[ConsoleDevice.RX].get();
    device.queueStarted(ConsoleDevice.RX, h.vq);
    assertEquals(before + 1, wakes[ConsoleDevice.RX].get());
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, 16, true)));
    device.handleQueue(ConsoleDevice.RX, h.vq);
    assertEquals(5, h.used().len());
    assertEquals("early", new String(h.read(QueueHarness.DATA, 5)));
  }

  @Test
  void drainingAFullInputRingTellsTheBackendToReadAgain() throws Exception {
    QueueHarness h = q[ConsoleDevice.RX];
    byte[] lots = new byte[64];
    assertEquals(64, port.input().offer(lots, 0, 64));
    h.driver.publish(h.driver.addChain(new Buffer(QueueHarness.DATA, 16, true)));
    device.handleQueue(ConsoleDevice.RX, h.vq);
    assertEquals(1, backend.drained);
  }

  @Test
  void aStoppedDeviceDoesNotTakeTheWakeupsOfItsSuccessor() throws Exception {
    ConsoleDevice next = new ConsoleDevice(port, 128);
    QueueHarness h = q[ConsoleDevice.RX];
    AtomicInteger nextWakes = new AtomicInteger();
    h.vq.bindWaker(nextWakes::incrementAndGet);
    next.queueStarted(ConsoleDevice.RX, h.vq);
    device.queueStopped(ConsoleDevice.RX); // the old one stops late
    port.inputArrived();
    assertEquals(2, nextWakes.get());
  }

  @Test
  void resetForgetsControlState() throws Exception {
    sendControl(control(0, ControlMessage.DEVICE_READY, 1));
    sendControl(control(0, ControlMessage.PORT_OPEN, 1));
    device.reset();
    assertEquals(0, device.pendingControl());
    assertFalse(device.guestOpen());
  }
}
