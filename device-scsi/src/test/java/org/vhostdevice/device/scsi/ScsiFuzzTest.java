// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-scsi: arbitrary chains into the control
 * queue (0), the event queue (1) and the request queue (2) of a device over an 8-block in-memory
 * LUN 0 (every CDB the emulation knows, and every one it does not). Oracles ({@link FuzzRig}
 * plus): control and command requests are answered in the pass that took them; a control answer
 * is nothing, one response byte or a 5-byte AN answer, with a documented code; a command answer
 * is nothing (no room for a response header) or a response header with a documented response
 * code, GOOD or CHECK CONDITION, a sense length of 0 or the fixed-format size and a residual no
 * larger than the data-in space; event buffers stay with the device; afterwards a WRITE(10) and
 * READ(10) of one block still round-trip. Normal runs replay {@code
 * ScsiFuzzTestInputs/requests/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class ScsiFuzzTest {
  private static final int REQUEST_QUEUE = VirtioScsi.FIRST_REQUEST_QUEUE;
  private static final Set<Integer> CONTROL_CODES = Set.of(VirtioScsi.S_FUNCTION_COMPLETE,
      VirtioScsi.S_BAD_TARGET, VirtioScsi.S_FAILURE, VirtioScsi.S_FUNCTION_REJECTED,
      VirtioScsi.S_INCORRECT_LUN);
  private static final Set<Integer> COMMAND_CODES = Set.of(VirtioScsi.S_OK,
      VirtioScsi.S_OVERRUN, VirtioScsi.S_BAD_TARGET, VirtioScsi.S_FAILURE);
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("ScsiFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    ScsiDevice device =
        new ScsiDevice(ScsiMain.target(List.of(new MemoryBackend(8)), false, false), 1);
    try (FuzzRig rig = new FuzzRig(device, VirtioScsi.REQ_SIZE, VirtioScsi.RESP_SIZE, 3, 64,
        0, 1, 2)) {
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
      assertEquals(0, rig.inFlight(VirtioScsi.CONTROL_QUEUE), "every control request answered");
      assertEquals(0, rig.inFlight(REQUEST_QUEUE), "every command is answered");
      rig.rewind(REQUEST_QUEUE);
      wellFormedCommandsStillWork(rig);
      rig.checkNoStrayWrites();
    }
  }

  private static void checkAnswer(FuzzRig rig, FuzzRig.Done d) throws Exception {
    FuzzRig.Chain c = d.chain();
    assertTrue(c.queue() != VirtioScsi.EVENT_QUEUE, "no events are reported");
    if (d.len() == 0) {
      return;
    }
    byte[] reply = rig.reply(d);
    if (c.queue() == VirtioScsi.CONTROL_QUEUE) {
      assertTrue(d.len() == 1 || d.len() == VirtioScsi.AN_RESP_SIZE, "control length " + d.len());
      int code = reply[d.len() - 1] & 0xFF;
      assertTrue(CONTROL_CODES.contains(code), "control response " + code);
      return;
    }
    assertTrue(d.len() >= VirtioScsi.RESP_HEADER_SIZE, "a response header or nothing");
    ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
    int senseLen = b.getInt(VirtioScsi.RESP_SENSE_LEN);
    long residual = Integer.toUnsignedLong(b.getInt(VirtioScsi.RESP_RESIDUAL));
    int status = reply[VirtioScsi.RESP_STATUS] & 0xFF;
    int response = reply[VirtioScsi.RESP_RESPONSE] & 0xFF;
    assertTrue(COMMAND_CODES.contains(response), "response " + response);
    assertTrue(status == ScsiStatus.GOOD || status == ScsiStatus.CHECK_CONDITION,
        "status " + status);
    assertTrue(senseLen == 0 || senseLen == Sense.FIXED_SIZE, "sense length " + senseLen);
    assertEquals(status == ScsiStatus.CHECK_CONDITION, senseLen > 0, "sense iff CHECK CONDITION");
    assertTrue(residual <= Math.max(0, c.writeLen() - VirtioScsi.RESP_SIZE),
        "residual " + residual + " beyond the data-in space");
  }

  private static void wellFormedCommandsStillWork(FuzzRig rig) throws Exception {
    byte[] lun0 = LunAddress.encode(0, 0);
    byte[] block = new byte[512];
    for (int i = 0; i < block.length; i++) {
      block[i] = (byte) (i * 13 + 5);
    }
    byte[] write = ScsiHarness.request(lun0, ScsiHarness.cdb(0x2A, 0, 0, 0, 0, 7, 0, 0, 1, 0));
    byte[] out = new byte[write.length + block.length];
    System.arraycopy(write, 0, out, 0, write.length);
    System.arraycopy(block, 0, out, write.length, block.length);
    rig.add(REQUEST_QUEUE, out, VirtioScsi.RESP_SIZE, true, false);
    rig.add(REQUEST_QUEUE, ScsiHarness.request(lun0,
        ScsiHarness.cdb(0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0)), VirtioScsi.RESP_SIZE + 512, false,
        true);
    rig.kick(REQUEST_QUEUE);
    var done = rig.collect();
    assertEquals(2, done.size());
    for (FuzzRig.Done d : done) {
      byte[] reply = rig.reply(d);
      assertEquals(VirtioScsi.S_OK, reply[VirtioScsi.RESP_RESPONSE]);
      assertEquals(ScsiStatus.GOOD, reply[VirtioScsi.RESP_STATUS]);
    }
    byte[] read = rig.reply(done.get(1));
    assertEquals(VirtioScsi.RESP_SIZE + 512, read.length);
    byte[] got = new byte[512];
    System.arraycopy(read, VirtioScsi.RESP_SIZE, got, 0, 512);
    assertArrayEquals(block, got, "the block written is read back");
  }
}
