// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import org.vhostdevice.vhostuser.testing.QueueHarness;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.can.VirtioCan.CONTROLQ;
import static org.vhostdevice.device.can.VirtioCan.RXQ;
import static org.vhostdevice.device.can.VirtioCan.TXQ;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_RESULT_NOT_OK;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_RESULT_OK;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_STOP;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_TX;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The three queues over fake guest memory, the receive loop thread, and the fake interface. */
class VirtioCanDeviceTest {
  static final long CLASSIC = 1L << VirtioCan.F_CAN_CLASSIC;
  static final long FD = 1L << VirtioCan.F_CAN_FD;
  private static final long DATA = QueueHarness.DATA;

  private QueueHarness tx;
  private QueueHarness rx;
  private QueueHarness ctrl;
  private FakeCanBus bus;
  private VirtioCanDevice device;
  private final Semaphore wakes = new Semaphore(0);

  @BeforeEach
  void setUp() throws Exception {
    tx = new QueueHarness(TXQ, 64, 64);
    rx = new QueueHarness(RXQ, 64, 64);
    ctrl = new QueueHarness(CONTROLQ, 64, 64);
    rx.vq.bindWaker(wakes::release);
    bus = new FakeCanBus("vcan0", true);
    device = new VirtioCanDevice("vcan0", bus.opener(), true);
    device.ackFeatures(device.features() & (CLASSIC | FD | (1L << 32)));
    device.queueStarted(TXQ, tx.vq);
    device.queueStarted(RXQ, rx.vq);
    device.queueStarted(CONTROLQ, ctrl.vq);
  }

  @AfterEach
  void tearDown() {
    device.queueStopped(TXQ);
    device.queueStopped(RXQ);
    device.queueStopped(CONTROLQ);
    tx.close();
    rx.close();
    ctrl.close();
  }

  private byte control(int type) throws Exception {
    ctrl.write(DATA, new byte[] {(byte) type, (byte) (type >> 8)});
    ctrl.write(DATA + 16, new byte[] {0x7f});
    ctrl.driver.publish(ctrl.driver.addChain(new Buffer(DATA, 2, false),
        new Buffer(DATA + 16, 1, true)));
    device.handleQueue(CONTROLQ, ctrl.vq);
    assertEquals(1, ctrl.used().len());
    return ctrl.read(DATA + 16, 1)[0];
  }

  static byte[] txFrame(int type, int flags, int id, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(16 + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) type).putShort((short) data.length).putInt(0).putInt(flags).putInt(id)
        .put(data);
    return b.array();
  }

  private byte send(byte[] frame) throws Exception {
    tx.write(DATA, frame);
    tx.write(DATA + 0x100, new byte[] {0x7f});
    tx.driver.publish(tx.driver.addChain(new Buffer(DATA, frame.length, false),
        new Buffer(DATA + 0x100, 1, true)));
    device.handleQueue(TXQ, tx.vq);
    assertEquals(1, tx.used().len());
    return tx.read(DATA + 0x100, 1)[0];
  }

  private byte send(int id, byte... data) throws Exception {
    return send(txFrame(VIRTIO_CAN_TX, 0, id, data));
  }

  private int status() {
    byte[] cfg = new byte[2];
    device.readConfig(0, cfg);
    return (cfg[0] & 0xff) | (cfg[1] & 0xff) << 8;
  }

  private int rxBuffers(int n) {
    int first = -1;
    for (int i = 0; i < n; i++) {
      int id = rx.driver.addChain(new Buffer(DATA + 0x100L * i, 80, true));
      rx.driver.publish(id);
      first = first < 0 ? id : first;
    }
    return first;
  }

  /** Waits until the receive loop wakes the RX queue, then serves it. */
  private void serveRxAfterWake() throws Exception {
    assertTrue(wakes.tryAcquire(10, TimeUnit.SECONDS), "the receive loop woke the RX queue");
    device.handleQueue(RXQ, rx.vq);
  }

  @Test
  void advertisesClassicAndFdWhenTheInterfaceDoesFd() throws Exception {
    assertEquals(0x1_7100_0003L, device.features());
    assertEquals(36, device.deviceType());
    assertEquals(3, device.numQueues());
    assertEquals(64, device.maxQueueSize(RXQ));
    assertEquals(0, device.workerOf(CONTROLQ));
  }

  @Test
  void aClassicOnlyInterfaceOffersNoFd() throws Exception {
    FakeCanBus classic = new FakeCanBus("can1", false);
    assertEquals(0x1_7100_0001L, VirtioCanDevice.probe("can1", classic.opener()).features());
  }

  @Test
  void theConfigIsTheStatusWordThenZeros() {
    assertEquals(0, status());
    byte[] all = new byte[16];
    java.util.Arrays.fill(all, (byte) 0x55);
    device.readConfig(0, all);
    assertArrayEquals(new byte[16], all);
  }

  @Test
  void startAndStopAnswerOkOnceEach() throws Exception {
    assertEquals(VIRTIO_CAN_RESULT_OK, control(VIRTIO_CAN_SET_CTRL_MODE_START));
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, control(VIRTIO_CAN_SET_CTRL_MODE_START));
    assertEquals(VIRTIO_CAN_RESULT_OK, control(VIRTIO_CAN_SET_CTRL_MODE_STOP));
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, control(VIRTIO_CAN_SET_CTRL_MODE_STOP));
  }

  @Test
  void anUnknownControlMessageIsNotOk() throws Exception {
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, control(0x0203));
  }

  @Test
  void aControlRequestWithoutResultByteIsReturnedEmpty() throws Exception {
    ctrl.driver.publish(ctrl.driver.addChain(new Buffer(DATA, 2, false)));
    device.handleQueue(CONTROLQ, ctrl.vq);
    assertEquals(0, ctrl.used().len());
  }

  @Test
  void transmittingWhileStoppedIsNotOk() throws Exception {
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, send(0x12, (byte) 1));
    assertTrue(bus.sent.isEmpty());
  }

  @Test
  void aValidFrameGoesOnTheBus() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    assertEquals(VIRTIO_CAN_RESULT_OK, send(0x12, (byte) 1, (byte) 2, (byte) 3, (byte) 4));
    CanFrame f = bus.sent.getFirst();
    assertEquals(0x12, f.canId);
    assertEquals(4, f.len);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 0}, java.util.Arrays.copyOf(f.data, 5));
  }

  @Test
  void anExtendedFdFrameGoesOutWithTheEffFlag() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    assertEquals(VIRTIO_CAN_RESULT_OK, send(txFrame(VIRTIO_CAN_TX,
        VirtioCan.VIRTIO_CAN_FLAGS_EXTENDED | VirtioCan.VIRTIO_CAN_FLAGS_FD, 0x1ABCDEF,
        new byte[12])));
    assertEquals(0x1ABCDEF | CanFrame.CAN_EFF_FLAG, bus.sent.getFirst().canId);
    assertTrue(bus.sent.getFirst().fd);
  }

  @Test
  void anInvalidFrameIsNotOkButTheControllerStaysOnTheBus() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, send(0x800, (byte) 1));
    assertEquals(0, status(), "Rust goes bus-off on a guest mistake");
    assertEquals(VIRTIO_CAN_RESULT_OK, send(0x7FF, (byte) 1));
  }

  @Test
  void aSendTheInterfaceRefusesIsBusOffWithStatusBit0() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    bus.sendErrno = 100; // ENETDOWN
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, send(0x12, (byte) 1));
    assertEquals(VirtioCan.VIRTIO_CAN_S_CTRL_BUSOFF, status(), "the spec's bit 0, not Rust's 2");
    assertTrue(!device.controller().started());
    bus.sendErrno = 0;
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, send(0x12, (byte) 1), "stopped until restarted");
    assertEquals(VIRTIO_CAN_RESULT_OK, control(VIRTIO_CAN_SET_CTRL_MODE_START));
    assertEquals(0, status());
  }

  @Test
  void aFullTransmitQueueFailsTheFrameOnly() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    bus.sendErrno = CanSendException.ENOBUFS;
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, send(0x12, (byte) 1));
    assertEquals(0, status());
    assertTrue(device.controller().started());
  }

  @Test
  void aTruncatedTxFrameIsNotOkAndTheQueueGoesOn() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    byte[] frame = txFrame(VIRTIO_CAN_TX, 0, 1, new byte[8]);
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, send(java.util.Arrays.copyOf(frame, 20)));
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, send(java.util.Arrays.copyOf(frame, 10)));
    assertEquals(VIRTIO_CAN_RESULT_OK, send(frame));
  }

  @Test
  void aFrameOutsideGuestMemoryIsReturnedEmptyAndTheQueueGoesOn() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    int bad = tx.driver.addChain(new Buffer(0x10_0000_0000L, 24, false),
        new Buffer(DATA + 0x100, 1, true));
    tx.driver.publish(bad);
    device.handleQueue(TXQ, tx.vq);
    assertEquals(new UsedElement(bad, 0), tx.used());
    assertEquals(VIRTIO_CAN_RESULT_OK, send(0x12, (byte) 1));
  }

  @Test
  void aLengthAbove64IsNotOk() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    byte[] frame = txFrame(VIRTIO_CAN_TX, VirtioCan.VIRTIO_CAN_FLAGS_FD, 1, new byte[80]);
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, send(frame));
  }

  @Test
  void aReceivedFrameFillsOneRxBuffer() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    int id = rxBuffers(2);
    bus.inject(FakeCanBus.frame(CanFrame.CAN_EFF_FLAG | 0x1234, false, (byte) 9, (byte) 8));
    serveRxAfterWake();
    assertEquals(new UsedElement(id, 80), rx.used());
    assertNull(rx.used(), "the second buffer stays with the device");
    ByteBuffer b = ByteBuffer.wrap(rx.read(DATA, 80)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(VirtioCan.VIRTIO_CAN_RX, b.getShort(0));
    assertEquals(2, b.getShort(2));
    assertEquals(0, b.getInt(4));
    assertEquals(VirtioCan.VIRTIO_CAN_FLAGS_EXTENDED, b.getInt(8));
    assertEquals(0x1234, b.getInt(12));
    assertEquals(9, b.get(16));
    assertEquals(8, b.get(17));
    assertEquals(0, b.get(18));
  }

  @Test
  void rxBuffersAreNotTakenWithoutFrames() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    rxBuffers(3);
    device.handleQueue(RXQ, rx.vq);
    assertNull(rx.used());
    assertEquals(3, rx.queue.pending(rx.memory), "Rust pops and leaks them");
  }

  @Test
  void aFrameWaitsForABuffer() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    bus.inject(FakeCanBus.frame(0x55, false, (byte) 1));
    serveRxAfterWake();
    assertEquals(1, device.pendingFrames());
    int id = rxBuffers(1);
    device.handleQueue(RXQ, rx.vq);
    assertEquals(new UsedElement(id, 80), rx.used());
  }

  @Test
  void aTooSmallBufferIsReturnedEmptyAndTheFrameTakesTheNext() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    int small = rx.driver.addChain(new Buffer(DATA, 40, true));
    rx.driver.publish(small);
    int good = rxBuffers(1);
    bus.inject(FakeCanBus.frame(0x55, false, (byte) 1));
    serveRxAfterWake();
    assertEquals(new UsedElement(small, 0), rx.used());
    assertEquals(new UsedElement(good, 80), rx.used());
  }

  @Test
  void framesWhileStoppedAreDropped() throws Exception {
    rxBuffers(1);
    bus.inject(FakeCanBus.frame(0x55, false, (byte) 1));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (bus.waiting() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    device.handleQueue(RXQ, rx.vq);
    assertNull(rx.used());
    assertEquals(0, device.pendingFrames());
  }

  @Test
  void aBusOffErrorFrameStopsTheControllerWithStatusBit0() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    bus.inject(FakeCanBus.frame(CanFrame.CAN_ERR_FLAG | CanFrame.CAN_ERR_BUSOFF, false,
        new byte[8]));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (device.controller().started() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(VirtioCan.VIRTIO_CAN_S_CTRL_BUSOFF, status());
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, control(VIRTIO_CAN_SET_CTRL_MODE_STOP));
  }

  @Test
  void otherErrorFramesAreIgnored() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    int id = rxBuffers(1);
    bus.inject(FakeCanBus.frame(CanFrame.CAN_ERR_FLAG | 0x4, false, new byte[8]));
    bus.inject(FakeCanBus.frame(0x66, false, (byte) 1));
    serveRxAfterWake();
    assertEquals(new UsedElement(id, 80), rx.used());
    assertEquals(0x66, ByteBuffer.wrap(rx.read(DATA, 80)).order(ByteOrder.LITTLE_ENDIAN)
        .getInt(12));
    assertTrue(device.controller().started());
  }

  @Test
  void aSocketErrorIsBusOff() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    bus.breakSocket();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (device.controller().started() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(VirtioCan.VIRTIO_CAN_S_CTRL_BUSOFF, status());
  }

  @Test
  void anUnnegotiatedFrameIsDroppedAndTheNextDelivered() throws Exception {
    device.ackFeatures(CLASSIC);
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    int id = rxBuffers(1);
    bus.inject(FakeCanBus.frame(0x1, true, new byte[12]));
    bus.inject(FakeCanBus.frame(CanFrame.CAN_RTR_FLAG | 0x2, false));
    bus.inject(FakeCanBus.frame(0x3, false, (byte) 1));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (bus.waiting() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    serveRxAfterWake();
    assertEquals(new UsedElement(id, 80), rx.used());
    assertEquals(3, ByteBuffer.wrap(rx.read(DATA, 80)).order(ByteOrder.LITTLE_ENDIAN)
        .getInt(12));
  }

  @Test
  void aFullFifoPausesReadingUntilTheGuestCatchesUp() throws Exception {
    control(VIRTIO_CAN_SET_CTRL_MODE_START);
    int total = VirtioCanDevice.RX_FIFO_FRAMES + 40;
    for (int i = 0; i < total; i++) {
      bus.inject(FakeCanBus.frame(i & 0x7FF, false, (byte) i));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (device.pendingFrames() < VirtioCanDevice.RX_FIFO_FRAMES
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    Thread.sleep(50);
    assertEquals(40, bus.waiting(), "the rest waits in the socket, not in an unbounded queue");
    int delivered = 0;
    int expect = 0;
    while (delivered < total && System.nanoTime() < deadline) {
      rxBuffers(60);
      device.handleQueue(RXQ, rx.vq);
      UsedElement e;
      while ((e = rx.used()) != null) {
        assertEquals(80, e.len());
        delivered++;
      }
      // The buffers are reused for the next round; check the ids of the last round's frames.
      for (int i = 0; i < 60 && expect < delivered; i++, expect++) {
        int id = ByteBuffer.wrap(rx.read(DATA + 0x100L * i, 80)).order(ByteOrder.LITTLE_ENDIAN)
            .getInt(12);
        assertEquals(expect & 0x7FF, id);
      }
      if (delivered < total && device.pendingFrames() == 0) {
        Thread.sleep(20); // the loop resumes reading the socket
      }
    }
    assertEquals(total, delivered);
  }

  @Test
  void stoppingEveryQueueClosesTheInterfaceAndEndsTheLoop() throws Exception {
    device.queueStopped(TXQ);
    device.queueStopped(RXQ);
    assertTrue(!bus.closed);
    device.queueStopped(CONTROLQ);
    assertTrue(bus.closed);
    assertTrue(Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("vhost-can-rx-vcan0") && t.isAlive()));
    device.queueStarted(CONTROLQ, ctrl.vq); // tearDown stops all three again
    device.queueStarted(TXQ, tx.vq);
    device.queueStarted(RXQ, rx.vq);
  }

  @Test
  void aSessionLeavesNoDescriptorOpen() throws Exception {
    FakeCanBus other = new FakeCanBus("vcan5", true);
    long before;
    try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      before = fds.count();
    }
    for (int i = 0; i < 3; i++) {
      VirtioCanDevice d = VirtioCanDevice.probe("vcan5", other.opener());
      d.queueStarted(TXQ, tx.vq);
      d.queueStarted(RXQ, rx.vq);
      d.queueStarted(CONTROLQ, ctrl.vq);
      d.queueStopped(RXQ);
      d.queueStopped(CONTROLQ);
      d.queueStopped(TXQ);
    }
    try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      assertEquals(before, fds.count(), "the receive loop's epoll and eventfd are closed");
    }
  }

  @Test
  void anInterfaceThatCannotBeOpenedRefusesStart() throws Exception {
    tearDown();
    setUp();
    device.queueStopped(TXQ);
    device.queueStopped(RXQ);
    device.queueStopped(CONTROLQ);
    device = new VirtioCanDevice("gone0", bus.opener(), true);
    device.queueStarted(TXQ, tx.vq);
    device.queueStarted(RXQ, rx.vq);
    device.queueStarted(CONTROLQ, ctrl.vq);
    assertEquals(VIRTIO_CAN_RESULT_NOT_OK, control(VIRTIO_CAN_SET_CTRL_MODE_START));
  }

  @Test
  void emptyQueuesDoNothing() throws Exception {
    device.handleQueue(TXQ, tx.vq);
    device.handleQueue(RXQ, rx.vq);
    device.handleQueue(CONTROLQ, ctrl.vq);
    assertNull(tx.used());
    assertNull(rx.used());
    assertNull(ctrl.used());
  }
}
