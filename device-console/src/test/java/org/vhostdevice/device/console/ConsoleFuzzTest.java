// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-console: arbitrary chains into the four
 * queues (receiveq, transmitq, control receiveq, control transmitq), interleaved with host input
 * (a record with extra = 1 types its bytes instead) and a host end that fills up and drains
 * (extra = 2 toggles it). Oracles ({@link FuzzRig} plus): transmit and control transmit buffers
 * are all returned with length 0 once the host end has room; the host end received exactly the
 * readable bytes of the transmit buffers, in order; receive buffers carry exactly the typed
 * bytes, in order, none lost that the input ring accepted; a control receive buffer carries
 * nothing or one whole control message for port 0 of a kind the device sends; afterwards output
 * and PORT_OPEN still work. Normal runs replay {@code ConsoleFuzzTestInputs/requests/}; {@code
 * JAZZER_FUZZ=1} fuzzes.
 */
class ConsoleFuzzTest {
  private static final int INPUT_CAPACITY = 256;
  private static final Set<Integer> DEVICE_EVENTS = Set.of(ControlMessage.DEVICE_ADD,
      ControlMessage.CONSOLE_PORT, ControlMessage.PORT_NAME, ControlMessage.PORT_OPEN);
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("ConsoleFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    RecordingBackend backend = new RecordingBackend();
    ConsolePort port = new ConsolePort(backend, INPUT_CAPACITY);
    ConsoleDevice device = new ConsoleDevice(port, 64);
    ByteArrayOutputStream typed = new ByteArrayOutputStream();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (FuzzRig rig = new FuzzRig(device, ControlMessage.SIZE, 0, 4, 64, 0, 1, 2, 3)) {
      try {
        for (FuzzRig.Request r : FuzzRig.parse(input)) {
          int queue = r.queue(4);
          if (r.extra() == 1) {
            byte[] b = r.readable();
            typed.write(b, 0, port.input().offer(b, 0, b.length));
            port.inputArrived();
            rig.runWoken();
            continue;
          }
          if (r.extra() == 2) {
            backend.full = !backend.full;
            if (!backend.full) {
              port.outputRoom();
              rig.runWoken();
            }
            continue;
          }
          if (rig.add(queue, r.readable(), r.writable(), r.splitReadable(), r.splitWritable())
              == null) {
            break;
          }
          REQUESTS.incrementAndGet();
          if (queue == ConsoleDevice.TX) {
            output.write(r.readable());
          }
          if (r.kick()) {
            rig.kick(queue);
          }
        }
        backend.full = false;
        port.outputRoom();
        for (int queue = 0; queue < 4; queue++) {
          rig.kick(queue);
        }
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        for (FuzzRig.Done d : rig.collect()) {
          checkAnswer(rig, d, received);
        }
        assertEquals(0, rig.inFlight(ConsoleDevice.TX), "every output buffer is returned");
        assertEquals(0, rig.inFlight(ConsoleDevice.CTRL_TX), "every control message returned");
        assertArrayEquals(output.toByteArray(), backend.written.toByteArray(),
            "the host end got the guest's output, in order");
        byte[] in = typed.toByteArray();
        byte[] got = received.toByteArray();
        assertTrue(got.length <= in.length, "more input delivered than typed");
        assertArrayEquals(Arrays.copyOf(in, got.length), got, "input delivered in order");
        assertEquals(in.length - got.length, port.input().size(), "undelivered input is kept");
        rig.rewind(ConsoleDevice.TX);
        rig.rewind(ConsoleDevice.CTRL_TX);
        wellFormedRequestsStillWork(rig, device, backend);
        rig.checkNoStrayWrites();
      } finally {
        for (int queue = 0; queue < 4; queue++) {
          device.queueStopped(queue);
        }
      }
    }
  }

  private static void checkAnswer(FuzzRig rig, FuzzRig.Done d, ByteArrayOutputStream received)
      throws Exception {
    switch (d.chain().queue()) {
      case ConsoleDevice.RX -> received.write(rig.reply(d));
      case ConsoleDevice.CTRL_RX -> {
        if (d.len() == 0) {
          return;
        }
        assertTrue(d.len() >= ControlMessage.SIZE, "a whole control message");
        ByteBuffer m = ByteBuffer.wrap(rig.reply(d)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(ConsoleDevice.PORT, m.getInt(ControlMessage.OFF_ID));
        int event = m.getShort(ControlMessage.OFF_EVENT);
        assertTrue(DEVICE_EVENTS.contains(event), "event " + event);
        if (event != ControlMessage.PORT_NAME) {
          assertEquals(ControlMessage.SIZE, d.len());
        }
      }
      default -> assertEquals(0, d.len(), "device-readable buffers are returned with length 0");
    }
  }

  private static void wellFormedRequestsStillWork(FuzzRig rig, ConsoleDevice device,
      RecordingBackend backend) throws Exception {
    backend.written.reset();
    rig.add(ConsoleDevice.TX, new byte[] {'o', 'k'}, 0, false, false);
    rig.kick(ConsoleDevice.TX);
    byte[] open = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0)
        .putShort((short) ControlMessage.PORT_OPEN).putShort((short) 1).array();
    rig.add(ConsoleDevice.CTRL_TX, open, 0, false, false);
    rig.kick(ConsoleDevice.CTRL_TX);
    assertEquals(2, rig.collect().size());
    assertArrayEquals(new byte[] {'o', 'k'}, backend.written.toByteArray());
    assertTrue(device.guestOpen(), "PORT_OPEN 1 opens the port");
  }
}
