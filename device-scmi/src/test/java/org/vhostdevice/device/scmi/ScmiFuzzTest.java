// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.testing.QueueHarness;

/**
 * Fuzz target for the SCMI command parser: batches of arbitrary requests (headers built from
 * likely protocol/message ids or taken raw, any number of parameter words, request and response
 * buffers of any length split over descriptors) on the command queue of a device with two fake
 * sensors and an IIO-free setup. Oracles: every request is completed in the pass that took it;
 * a used length is 0 or a whole number of words of at least header + status that fits the
 * response buffer; a response echoes the request header and carries a known status; SUCCESS
 * only for implemented messages; afterwards a well-formed request is still answered. Normal runs
 * replay {@code ScmiFuzzTestInputs/commands/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class ScmiFuzzTest {
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();
  private static final int QUEUE = 16;
  private static final long SLOT = 0x200;
  private static final int MAX_REQUEST = 64;
  private static final int MAX_RESPONSE = 0xF0;
  private static final int[] PROTOCOLS = {ScmiHandler.BASE_PROTOCOL_ID,
      SensorProtocol.PROTOCOL_ID};

  @AfterAll
  static void report() {
    System.out.printf("ScmiFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  private record Sent(int head, int header, int readable, int writable, long respGpa) {}

  @FuzzTest(maxDuration = "10m")
  void commands(FuzzedDataProvider data) throws Exception {
    INPUTS.incrementAndGet();
    // Timers a day apart: no notification can make a run depend on timing.
    List<Sensor> sensors = List.of(fake("a"), fake("b"));
    ScmiDevice device = new ScmiDevice(sensors);
    try (QueueHarness q = new QueueHarness(0, QUEUE, ScmiDevice.QUEUE_SIZE)) {
      device.queueStarted(0, q.vq);
      int n = data.consumeInt(1, QUEUE);
      List<Sent> sent = new ArrayList<>();
      for (int i = 0; i < n && data.remainingBytes() > 0 && q.driver.freeDescriptors() >= 4; i++) {
        sent.add(publish(q, data, i));
        REQUESTS.incrementAndGet();
      }
      device.handleQueue(0, q.vq);
      for (int i = 0; i < sent.size(); i++) {
        UsedElement e = q.used();
        assertNotNull(e, "every request is completed in the pass that took it");
        check(q, sent.stream().filter(s -> s.head() == e.id()).findFirst().orElseThrow(), e);
      }
      stillServes(q, device);
    } finally {
      device.close();
    }
  }

  private static Sensor fake(String name) throws Exception {
    Sensor s = FakeSensor.create(DeviceProperties.of("name", name, "interval-ms", "86400000"));
    s.initialize();
    return s;
  }

  private static Sent publish(QueueHarness q, FuzzedDataProvider data, int slot)
      throws Exception {
    long req = QueueHarness.DATA + slot * SLOT;
    long resp = req + 0x100;
    int header = data.consumeBoolean()
        ? ScmiHeader.of(PROTOCOLS[data.consumeInt(0, 1)], data.consumeInt(0, 15),
            data.consumeInt(0, 3), data.consumeInt(0, 0x3FF))
        : data.consumeInt();
    int params = data.consumeInt(0, 4);
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * params).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(header);
    for (int i = 0; i < params; i++) {
      b.putInt(data.consumeBoolean() ? data.consumeInt(0, 3) : data.consumeInt());
    }
    byte[] bytes = b.array();
    int readable = Math.min(data.consumeInt(0, MAX_REQUEST), bytes.length + data.consumeInt(0, 3));
    byte[] filler = data.consumeBytes(Math.max(0, readable - bytes.length));
    byte[] full = new byte[readable];
    System.arraycopy(bytes, 0, full, 0, Math.min(readable, bytes.length));
    System.arraycopy(filler, 0, full, Math.min(readable, bytes.length),
        Math.min(filler.length, readable - Math.min(readable, bytes.length)));
    q.write(req, full);
    int writable = data.consumeInt(0, MAX_RESPONSE);
    List<Buffer> chain = new ArrayList<>();
    split(chain, req, readable, false, data);
    split(chain, resp, writable, true, data);
    if (chain.isEmpty()) {
      chain.add(new Buffer(resp, 0, true));
    }
    int head = q.driver.addChain(chain.toArray(Buffer[]::new));
    q.driver.publish(head);
    return new Sent(head, header, readable, writable, resp);
  }

  /** Adds {@code len} bytes at {@code gpa} as zero, one or two descriptors. */
  private static void split(List<Buffer> chain, long gpa, int len, boolean writable,
      FuzzedDataProvider data) {
    if (len == 0 && data.consumeBoolean()) {
      return;
    }
    if (len > 1 && data.consumeBoolean()) {
      int k = data.consumeInt(1, len - 1);
      chain.add(new Buffer(gpa, k, writable));
      chain.add(new Buffer(gpa + k, len - k, writable));
    } else {
      chain.add(new Buffer(gpa, len, writable));
    }
  }

  private static void check(QueueHarness q, Sent s, UsedElement e) throws Exception {
    if (e.len() == 0) {
      assertTrue(s.readable() < 4 || s.writable() < 8
          || ScmiHandler.parameterCount(ScmiHeader.protocolId(s.header()),
              ScmiHeader.messageId(s.header())) >= 0,
          "a well-sized request got no answer");
      return;
    }
    assertTrue(e.len() >= 8 && e.len() % 4 == 0 && e.len() <= s.writable(),
        "used length " + e.len() + " for " + s.writable() + " writable bytes");
    ByteBuffer r = ByteBuffer.wrap(q.read(s.respGpa(), e.len())).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(s.header(), r.getInt(), "the header is echoed");
    int status = r.getInt();
    assertTrue(status <= 0 && status >= ScmiStatus.PROTOCOL_ERROR, "status " + status);
    if (status == ScmiStatus.SUCCESS) {
      assertTrue(ScmiHeader.messageType(s.header()) == ScmiHeader.TYPE_COMMAND
          && ScmiHandler.parameterCount(ScmiHeader.protocolId(s.header()),
              ScmiHeader.messageId(s.header())) >= 0, "SUCCESS for an unimplemented message");
    }
  }

  private static void stillServes(QueueHarness q, ScmiDevice device) throws Exception {
    long req = QueueHarness.DATA + QUEUE * SLOT;
    ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(ScmiHeader.command(ScmiHandler.BASE_PROTOCOL_ID, 0));
    q.write(req, b.array());
    q.driver.publish(q.driver.addChain(new Buffer(req, 4, false),
        new Buffer(req + 0x100, 16, true)));
    device.handleQueue(0, q.vq);
    UsedElement e = q.used();
    assertNotNull(e);
    assertEquals(12, e.len());
    assertArrayEquals(Scmi.expect(ScmiHandler.BASE_PROTOCOL_ID, 0, 0, 0x20000),
        toWords(q.read(req + 0x100, 12)));
  }

  private static int[] toWords(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int[] w = new int[bytes.length / 4];
    for (int i = 0; i < w.length; i++) {
      w[i] = b.getInt();
    }
    return w;
  }
}
