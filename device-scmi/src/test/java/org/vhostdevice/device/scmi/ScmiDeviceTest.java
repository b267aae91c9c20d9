// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import org.vhostdevice.vhostuser.testing.QueueHarness;

/**
 * The device over fake guest memory: requests on the command queue (well-formed and every
 * malformed shape the Rust tests list), notifications on the event queue.
 */
class ScmiDeviceTest {
  private static final long REQ = QueueHarness.DATA;
  private static final long RESP = QueueHarness.DATA + 0x1000;
  private static final int SENSOR = SensorProtocol.PROTOCOL_ID;
  private QueueHarness cmd;
  private QueueHarness evt;
  private final AtomicInteger eventWakes = new AtomicInteger();
  private ScmiDevice device;

  @BeforeEach
  void setUp() throws Exception {
    device = new ScmiDevice(Scmi.fakes(2));
    cmd = new QueueHarness(0, 16, 1024);
    evt = new QueueHarness(1, 16, 1024);
    evt.vq.bindWaker(eventWakes::incrementAndGet);
    device.queueStarted(0, cmd.vq);
    device.queueStarted(1, evt.vq);
  }

  @AfterEach
  void tearDown() {
    device.close();
    cmd.close();
    evt.close();
  }

  private static byte[] request(int protocol, int message, int... params) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * params.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(ScmiHeader.command(protocol, message));
    for (int p : params) {
      b.putInt(p);
    }
    return b.array();
  }

  /** Sends {@code req} with a {@code room}-byte response buffer; returns the used element. */
  private UsedElement send(byte[] req, int room) throws Exception {
    cmd.write(REQ, req);
    cmd.driver.publish(cmd.driver.addChain(new Buffer(REQ, req.length, false),
        new Buffer(RESP, room, true)));
    device.handleQueue(0, cmd.vq);
    return cmd.used();
  }

  private int[] answer(UsedElement e) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(cmd.read(RESP, e.len())).order(ByteOrder.LITTLE_ENDIAN);
    int[] w = new int[e.len() / 4];
    for (int i = 0; i < w.length; i++) {
      w[i] = b.getInt();
    }
    return w;
  }

  private int[] ask(int protocol, int message, int... params) throws Exception {
    return answer(send(request(protocol, message, params), 128));
  }

  @Test
  void advertisesTheRustFeatureWordAndQueues() {
    assertEquals(0x1_7100_0001L, device.features());
    assertEquals(32, device.deviceType());
    assertEquals(2, device.numQueues());
    assertEquals(1024, device.maxQueueSize(0));
    assertEquals(1024, device.maxQueueSize(1));
    assertEquals(0, device.configSize());
  }

  @Test
  void aRequestIsAnsweredWithItsLength() throws Exception {
    UsedElement e = send(request(ScmiHandler.BASE_PROTOCOL_ID, 0), 64);
    assertEquals(12, e.len());
    assertArrayEquals(Scmi.expect(ScmiHandler.BASE_PROTOCOL_ID, 0, 0, 0x20000), answer(e));
  }

  @Test
  void sensorReadingsRoundTrip() throws Exception {
    ask(SENSOR, 0xA, 1, 1);
    assertArrayEquals(Scmi.expect(SENSOR, 6, 0, 0L, 0L, 100L, 0L, 200L, 0L),
        ask(SENSOR, 6, 1, 0));
  }

  @Test
  void aRequestSplitOverDescriptorsIsServed() throws Exception {
    byte[] req = request(SENSOR, 9, 1);
    cmd.write(REQ, req);
    cmd.driver.publish(cmd.driver.addChain(new Buffer(REQ, 2, false),
        new Buffer(REQ + 2, req.length - 2, false), new Buffer(RESP, 8, true),
        new Buffer(RESP + 8, 8, true)));
    device.handleQueue(0, cmd.vq);
    UsedElement e = cmd.used();
    assertEquals(12, e.len());
    assertArrayEquals(Scmi.expect(SENSOR, 9, 0, 0), answer(e));
  }

  @Test
  void aRequestShorterThanAHeaderIsReturnedUnused() throws Exception {
    assertEquals(0, send(new byte[2], 64).len());
  }

  @Test
  void aMissingParameterIsAProtocolError() throws Exception {
    // DISCOVER_LIST_PROTOCOLS takes one parameter: 4 bytes instead of 8.
    UsedElement e = send(request(ScmiHandler.BASE_PROTOCOL_ID, 6), 64);
    assertArrayEquals(Scmi.expect(ScmiHandler.BASE_PROTOCOL_ID, 6, ScmiStatus.PROTOCOL_ERROR),
        answer(e));
  }

  @Test
  void anExtraParameterIsAProtocolError() throws Exception {
    // VERSION takes none: 8 bytes instead of 4.
    UsedElement e = send(request(ScmiHandler.BASE_PROTOCOL_ID, 0, 7), 64);
    assertArrayEquals(Scmi.expect(ScmiHandler.BASE_PROTOCOL_ID, 0, ScmiStatus.PROTOCOL_ERROR),
        answer(e));
  }

  @Test
  void anUnknownMessageOfAnyLengthIsNotSupported() throws Exception {
    UsedElement e = send(request(0x77, 1, 1, 2, 3), 64);
    assertArrayEquals(Scmi.expect(0x77, 1, ScmiStatus.NOT_SUPPORTED), answer(e));
  }

  @Test
  void aChainWithoutResponseBufferIsReturnedUnused() throws Exception {
    byte[] req = request(ScmiHandler.BASE_PROTOCOL_ID, 0);
    cmd.write(REQ, req);
    cmd.driver.publish(cmd.driver.addChain(new Buffer(REQ, 4, false), new Buffer(RESP, 8, false)));
    device.handleQueue(0, cmd.vq);
    assertEquals(0, cmd.used().len());
  }

  @Test
  void aResponseThatDoesNotFitBecomesCommsError() throws Exception {
    UsedElement e = send(request(SENSOR, 3, 0), 20);
    assertArrayEquals(Scmi.expect(SENSOR, 3, ScmiStatus.COMMS_ERROR), answer(e));
  }

  @Test
  void aResponseBufferTooSmallForAnErrorIsReturnedUnused() throws Exception {
    assertEquals(0, send(request(ScmiHandler.BASE_PROTOCOL_ID, 0), 6).len());
  }

  @Test
  void theQueueKeepsServingAfterMalformedRequests() throws Exception {
    send(new byte[1], 64);
    send(request(ScmiHandler.BASE_PROTOCOL_ID, 6), 64);
    send(request(ScmiHandler.BASE_PROTOCOL_ID, 0), 4);
    assertArrayEquals(Scmi.expect(ScmiHandler.BASE_PROTOCOL_ID, 0, 0, 0x20000),
        ask(ScmiHandler.BASE_PROTOCOL_ID, 0));
    assertEquals(3, device.malformedRequests());
  }

  @Test
  void eventBuffersStayInTheRingWhileNothingIsPending() throws Exception {
    evt.driver.publish(evt.driver.addChain(new Buffer(RESP, 64, true)));
    device.handleQueue(1, evt.vq);
    assertNull(evt.used());
  }

  @Test
  void aNotificationFillsTheNextEventBuffer() throws Exception {
    ScmiDevice quick = new ScmiDevice(java.util.List.of(
        fake("interval-ms", "10")));
    try (QueueHarness q = new QueueHarness(1, 16, 1024)) {
      AtomicInteger wakes = new AtomicInteger();
      q.vq.bindWaker(wakes::incrementAndGet);
      quick.queueStarted(1, q.vq);
      Words out = new Words(16);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xA), 0, 1, out, 64);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xB), 0, 1, out, 64);
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (wakes.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(wakes.get() > 0, "the event loop woke the event queue");
      q.driver.publish(q.driver.addChain(new Buffer(RESP, 64, true)));
      quick.handleQueue(1, q.vq);
      UsedElement e = q.used();
      assertNotNull(e);
      assertEquals(60, e.len());
      ByteBuffer b = ByteBuffer.wrap(q.read(RESP, 12)).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(0x5701, b.getInt());
      assertEquals(0, b.getInt()); // agent
      assertEquals(0, b.getInt()); // sensor
    } finally {
      quick.close();
    }
  }

  @Test
  void aTooSmallEventBufferIsReturnedEmptyAndTheNotificationWaits() throws Exception {
    ScmiDevice quick = new ScmiDevice(java.util.List.of(fake("interval-ms", "10")));
    try (QueueHarness q = new QueueHarness(1, 16, 1024)) {
      quick.queueStarted(1, q.vq);
      Words out = new Words(16);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xA), 0, 1, out, 64);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xB), 0, 1, out, 64);
      awaitPending(quick);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xB), 0, 0, out, 64);
      int pending = quick.pendingNotifications();
      q.driver.publish(q.driver.addChain(new Buffer(RESP, 16, true)));
      quick.handleQueue(1, q.vq);
      assertEquals(0, q.used().len());
      assertEquals(pending, quick.pendingNotifications());
    } finally {
      quick.close();
    }
  }

  @Test
  void resetDropsPendingNotifications() throws Exception {
    ScmiDevice quick = new ScmiDevice(java.util.List.of(fake("interval-ms", "10")));
    try {
      Words out = new Words(16);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xA), 0, 1, out, 64);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xB), 0, 1, out, 64);
      awaitPending(quick);
      quick.reset();
      assertEquals(0, quick.pendingNotifications());
      assertTrue(!quick.handler().sensors().sensors().get(0).enabled());
    } finally {
      quick.close();
    }
  }

  @Test
  void pendingNotificationsAreBounded() throws Exception {
    ScmiDevice quick = new ScmiDevice(java.util.List.of(fake("interval-ms", "1")));
    try {
      Words out = new Words(16);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xA), 0, 1, out, 64);
      quick.handler().handle(ScmiHeader.command(SENSOR, 0xB), 0, 1, out, 64);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (quick.pendingNotifications() < ScmiDevice.MAX_PENDING_NOTIFICATIONS
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(50);
      assertEquals(ScmiDevice.MAX_PENDING_NOTIFICATIONS, quick.pendingNotifications());
    } finally {
      quick.close();
    }
  }

  private static void awaitPending(ScmiDevice d) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (d.pendingNotifications() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(d.pendingNotifications() > 0, "a notification is pending");
  }

  private static Sensor fake(String... props) throws Exception {
    Sensor s = FakeSensor.create(DeviceProperties.of(props));
    s.initialize();
    return s;
  }
}
