// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-gpio: arbitrary chains into the request
 * queue (queue 0) and the interrupt event queue (queue 1) over a programmable 8-line chip.
 * Oracles ({@link FuzzRig} plus): every request is answered in the pass that took it, with
 * status OK or ERR first and at most the response buffer; an event buffer is either held (an
 * armed line waits for its edge) or answered with at most one status byte, VALID or INVALID;
 * stopping the event queue drops what it held; well-formed requests still work.
 * Normal runs replay {@code GpioFuzzTestInputs/requests/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class GpioFuzzTest {
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("GpioFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    ProgrammableChip chip = new ProgrammableChip(8);
    GpioDevice device = new GpioDevice(new GpioController(chip));
    try (FuzzRig rig = new FuzzRig(device, 0, 1, 2, 64, 0, 1)) {
      try {
        for (FuzzRig.Request r : FuzzRig.parse(input)) {
          int queue = r.queue(2);
          if (rig.add(queue, r.readable(), r.writable(), r.splitReadable(), r.splitWritable())
              == null) {
            break;
          }
          REQUESTS.incrementAndGet();
          if (r.kick()) {
            rig.kick(queue);
          }
        }
        rig.kick(GpioDevice.REQUEST_QUEUE);
        rig.kick(GpioDevice.EVENT_QUEUE);
        for (FuzzRig.Done d : rig.collect()) {
          checkAnswer(rig, d);
        }
        assertEquals(0, rig.inFlight(GpioDevice.REQUEST_QUEUE), "every request is answered");
        rig.rewind(GpioDevice.REQUEST_QUEUE);
        wellFormedRequestsStillWork(rig);
        rig.checkNoStrayWrites();
      } finally {
        device.queueStopped(GpioDevice.EVENT_QUEUE);
        chip.close();
      }
    }
  }

  private static void checkAnswer(FuzzRig rig, FuzzRig.Done d) throws Exception {
    if (d.len() == 0) {
      return; // malformed without room for a status
    }
    int status = rig.reply(d)[0];
    if (d.chain().queue() == GpioDevice.EVENT_QUEUE) {
      assertEquals(1, d.len(), "an event answer is one status byte");
      assertTrue(status == GpioDevice.VIRTIO_GPIO_IRQ_STATUS_INVALID
          || status == GpioDevice.VIRTIO_GPIO_IRQ_STATUS_VALID, "irq status " + status);
      return;
    }
    assertTrue(status == GpioDevice.VIRTIO_GPIO_STATUS_OK
        || status == GpioDevice.VIRTIO_GPIO_STATUS_ERR, "status " + status);
  }

  private static byte[] request(int type, int gpio, int value) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) type).putShort((short) gpio).putInt(value).array();
  }

  /** Requests that succeed whatever state the fuzzed ones left the lines in. */
  private static void wellFormedRequestsStillWork(FuzzRig rig) throws Exception {
    rig.add(0, request(GpioDevice.VIRTIO_GPIO_MSG_GET_NAMES, 0, 0), 29, false, false);
    rig.add(0, request(GpioDevice.VIRTIO_GPIO_MSG_GET_DIRECTION, 7, 0), 2, false, false);
    rig.kick(0);
    var done = rig.collect();
    assertEquals(2, done.size());
    byte[] names = rig.reply(done.get(0));
    assertEquals(29, names.length);
    assertEquals("\0gpio0\0\0gpio2\0\0gpio4\0\0gpio6\0\0",
        new String(names, StandardCharsets.US_ASCII));
    assertEquals(2, done.get(1).len());
    assertEquals(0, rig.reply(done.get(1))[0]);
  }
}
