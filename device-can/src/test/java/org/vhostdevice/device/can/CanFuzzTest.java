// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-can: arbitrary chains into the TX, RX and
 * control queues over the fake interface (CAN FD capable; the guest acked CLASSIC and FD). The
 * receive loop thread runs as in production; the fuzzer injects no bus frames, so RX buffers
 * only wait. Oracles ({@link FuzzRig} plus): every TX and control request is answered in the
 * pass that took it, with length 0 when it has no writable byte and otherwise one result byte,
 * OK or NOT_OK; an RX buffer is answered, if at all, empty or with an 80-byte frame; afterwards
 * START and a classic frame still work. Normal runs replay {@code
 * CanFuzzTestInputs/requests/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class CanFuzzTest {
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("CanFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    FakeCanBus bus = new FakeCanBus("vcan0", true);
    VirtioCanDevice device = new VirtioCanDevice("vcan0", bus.opener(), true);
    device.ackFeatures(device.features()
        & (VirtioCanDeviceTest.CLASSIC | VirtioCanDeviceTest.FD | (1L << 32)));
    try (FuzzRig rig = new FuzzRig(device, VirtioCan.HEADER_SIZE, 0, 3, 64,
        VirtioCan.TXQ, VirtioCan.RXQ, VirtioCan.CONTROLQ)) {
      try {
        for (FuzzRig.Request r : FuzzRig.parse(input)) {
          int queue = r.queue(3);
          if (rig.add(queue, r.readable(), r.writable(), r.splitReadable(), r.splitWritable())
              == null) {
            break;
          }
          REQUESTS.incrementAndGet();
          if (r.kick()) {
            rig.kick(queue);
          }
        }
        for (int queue = 0; queue < 3; queue++) {
          rig.kick(queue);
        }
        for (FuzzRig.Done d : rig.collect()) {
          checkAnswer(rig, d);
        }
        assertEquals(0, rig.inFlight(VirtioCan.TXQ), "every TX request is answered");
        assertEquals(0, rig.inFlight(VirtioCan.CONTROLQ), "every control request is answered");
        rig.rewind(VirtioCan.TXQ);
        rig.rewind(VirtioCan.CONTROLQ);
        wellFormedRequestsStillWork(rig, bus);
        rig.checkNoStrayWrites();
      } finally {
        device.queueStopped(VirtioCan.TXQ);
        device.queueStopped(VirtioCan.RXQ);
        device.queueStopped(VirtioCan.CONTROLQ);
      }
    }
  }

  private static void checkAnswer(FuzzRig rig, FuzzRig.Done d) throws Exception {
    FuzzRig.Chain c = d.chain();
    if (c.queue() == VirtioCan.RXQ) {
      assertTrue(d.len() == 0 || d.len() == VirtioCan.RX_FRAME_SIZE, "RX length " + d.len());
      return;
    }
    if (c.writeLen() == 0) {
      assertEquals(0, d.len(), "no writable byte, nothing written");
      return;
    }
    assertEquals(1, d.len(), "one result byte");
    byte result = rig.reply(d)[0];
    assertTrue(result == VirtioCan.VIRTIO_CAN_RESULT_OK
        || result == VirtioCan.VIRTIO_CAN_RESULT_NOT_OK, "result " + result);
  }

  private static byte[] control(int type) {
    return new byte[] {(byte) type, (byte) (type >> 8)};
  }

  private static void wellFormedRequestsStillWork(FuzzRig rig, FakeCanBus bus) throws Exception {
    rig.add(VirtioCan.CONTROLQ, control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_STOP), 1, false, false);
    rig.add(VirtioCan.CONTROLQ, control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START), 1, false,
        false);
    rig.kick(VirtioCan.CONTROLQ);
    var ctrl = rig.collect();
    assertEquals(2, ctrl.size());
    assertArrayEquals(new byte[] {VirtioCan.VIRTIO_CAN_RESULT_OK}, rig.reply(ctrl.get(1)),
        "START after STOP succeeds");
    rig.add(VirtioCan.TXQ, VirtioCanDeviceTest.txFrame(VirtioCan.VIRTIO_CAN_TX, 0, 0x123,
        new byte[] {1, 2, 3}), 1, true, false);
    rig.kick(VirtioCan.TXQ);
    var tx = rig.collect();
    assertEquals(1, tx.size());
    assertArrayEquals(new byte[] {VirtioCan.VIRTIO_CAN_RESULT_OK}, rig.reply(tx.getFirst()));
  }
}
