// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.testing.QueueHarness;

/**
 * Coverage-guided fuzz target for what a guest (and the host device) can feed the input device:
 * config writes at any offset followed by reads, status-queue requests of any shape, event
 * streams of any content, and event buffers of any shape. Oracles: nothing but the documented
 * outcomes; every request is completed (status with length 0, events with 0 or 8); feedback
 * reaches the host device only for EV_LED and EV_SND records of at least 8 bytes; the config
 * always reads as a consistent structure (size at most 128, nothing after the payload, all
 * zeros when there is nothing to report); the event queue never holds more than its capacity,
 * events wait only while the guest has no buffer posted, and key releases owed after a loss are
 * all given back together.
 *
 * <p>Normal test runs replay the corpus in {@code InputFuzzTestInputs/}; {@code JAZZER_FUZZ=1}
 * fuzzes (see docs/reliability.md).
 */
class InputFuzzTest {
  private static final int QSIZE = 16;
  private static final int MAX_OPS = 48;
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong OPS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("InputFuzzTest: %d inputs, %d operations%n", INPUTS.get(), OPS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(FuzzedDataProvider data) throws Exception {
    INPUTS.incrementAndGet();
    FakeEvdevIo io = new FakeEvdevIo();
    if (data.consumeBoolean()) {
      io.name = data.consumeBytes(data.consumeInt(0, 200));
    }
    VirtioInputDevice device = VirtioInputDevice.open(io, "/dev/input/fuzz", true);
    try (QueueHarness eventq = new QueueHarness(0, QSIZE, VirtioInputDevice.QUEUE_SIZE);
        QueueHarness statusq = new QueueHarness(1, QSIZE, VirtioInputDevice.QUEUE_SIZE)) {
      device.queueStarted(0, eventq.vq);
      device.queueStarted(1, statusq.vq);
      int ops = data.consumeInt(1, MAX_OPS);
      for (int i = 0; i < ops && data.remainingBytes() > 0; i++) {
        OPS.incrementAndGet();
        switch (data.consumeInt(0, 4)) {
          case 0 -> config(data, device);
          case 1 -> status(data, device, statusq, io);
          case 2 -> hostEvents(data, device);
          case 3 -> eventBuffers(data, device, eventq);
          default -> {
            device.queueStopped(0);
            device.reset();
            device.queueStarted(0, eventq.vq);
          }
        }
        assertTrue(device.pump().size() <= EventPump.QUEUE_CAPACITY);
      }
    } finally {
      device.close();
    }
    assertEquals(0, io.openCount(), "the event device is closed");
  }

  private static void config(FuzzedDataProvider data, VirtioInputDevice device) {
    int offset = data.consumeInt(0, InputConfig.SIZE - 1);
    byte[] bytes = data.consumeBytes(data.consumeInt(1, InputConfig.SIZE - offset));
    device.writeConfig(offset, bytes);
    byte[] cfg = new byte[InputConfig.SIZE];
    device.readConfig(0, cfg);
    int size = cfg[InputConfig.OFF_SIZE] & 0xff;
    assertTrue(size <= InputConfig.UNION_SIZE, "size " + size);
    for (int i = 3; i < InputConfig.OFF_UNION; i++) {
      assertEquals(0, cfg[i], "reserved byte " + i);
    }
    for (int i = InputConfig.OFF_UNION + size; i < InputConfig.SIZE; i++) {
      assertEquals(0, cfg[i], "byte " + i + " after a payload of " + size);
    }
    if (size == 0) {
      assertEquals(0, cfg[0] | cfg[1], "nothing to report: all zeros");
    } else {
      assertEquals(device.config().select(), cfg[0] & 0xff);
      assertEquals(device.config().subsel(), cfg[1] & 0xff);
    }
    int at = data.consumeInt(0, InputConfig.SIZE - 1);
    byte[] window = new byte[data.consumeInt(1, InputConfig.SIZE - at)];
    device.readConfig(at, window);
  }

  /** A guest buffer: mostly inside the harness's memory, sometimes anywhere. */
  private static Buffer buffer(FuzzedDataProvider data, boolean writable) {
    long gpa = data.consumeBoolean()
        ? QueueHarness.DATA + data.consumeInt(0, 0x10000)
        : data.consumeLong();
    return new Buffer(gpa, data.consumeInt(0, 64), writable);
  }

  private static void status(FuzzedDataProvider data, VirtioInputDevice device,
      QueueHarness q, FakeEvdevIo io) throws Exception {
    int n = data.consumeInt(1, 3);
    Buffer[] chain = new Buffer[n];
    for (int i = 0; i < n; i++) {
      chain[i] = buffer(data, data.consumeInt(0, 3) == 0);
    }
    byte[] body = data.consumeBytes(16);
    try {
      q.write(QueueHarness.DATA, body);
    } catch (Exception outsideMemory) {
      // not possible with DATA inside region 0, but keep the fuzzer honest
    }
    int before = io.feedback.size();
    q.driver.publish(q.driver.addChain(chain));
    device.handleQueue(1, q.vq);
    UsedElement e = q.used();
    assertTrue(e != null, "every status request is completed");
    assertEquals(0, e.len());
    for (int i = before; i < io.feedback.size(); i++) {
      int type = io.feedback.get(i).type();
      assertTrue(type == InputConfig.EV_LED || type == InputConfig.EV_SND, "type " + type);
    }
  }

  private static void hostEvents(FuzzedDataProvider data, VirtioInputDevice device) {
    int n = data.consumeInt(1, 300);
    for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
      int type = data.consumeBoolean() ? EventPump.EV_SYN : data.consumeInt(0, 0xffff);
      int code = data.consumeBoolean() ? data.consumeInt(0, 3) : data.consumeInt(0, 0xffff);
      device.pump().accept(type, code, data.consumeInt());
    }
  }

  private static void eventBuffers(FuzzedDataProvider data, VirtioInputDevice device,
      QueueHarness q) throws Exception {
    int n = data.consumeInt(1, Math.max(1, q.driver.freeDescriptors()));
    int posted = 0;
    for (int i = 0; i < n && q.driver.freeDescriptors() > 0; i++) {
      int parts = data.consumeInt(1, Math.min(2, q.driver.freeDescriptors()));
      Buffer[] chain = new Buffer[parts];
      for (int k = 0; k < parts; k++) {
        chain[k] = buffer(data, data.consumeInt(0, 5) != 0);
      }
      q.driver.publish(q.driver.addChain(chain));
      posted++;
    }
    int queued = device.pump().size();
    int owed = device.pump().owedReleases();
    device.handleQueue(0, q.vq);
    int used = 0;
    int delivered = 0;
    for (UsedElement e = q.used(); e != null; e = q.used()) {
      assertTrue(e.len() == 0 || e.len() == VirtioInputDevice.EVENT_SIZE, "len " + e.len());
      used++;
      delivered += e.len() == 0 ? 0 : 1;
    }
    // Owed key releases join the queue (as one packet) when it drains.
    int added = owed > 0 && device.pump().owedReleases() == 0 ? owed + 1 : 0;
    assertEquals(queued - delivered + added, device.pump().size(),
        "each delivered event left the queue");
    assertTrue(used <= posted + QSIZE);
    if (!device.pump().isEmpty()) {
      assertEquals(QSIZE, q.driver.freeDescriptors(), "events wait only when no buffer is left");
    }
  }
}
