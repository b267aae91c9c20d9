// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-snd: arbitrary chains into the control,
 * event, TX and RX queues of a device over the null backend and a test clock (a record with
 * extra = 1 advances the clock by its length in milliseconds and runs both I/O queues instead).
 * Oracles ({@link FuzzRig} plus): control requests are answered in the pass that took them, with
 * nothing (no room for a status) or a status the spec defines; an I/O request is answered with
 * nothing or at least an 8-byte status at the end of its writable bytes, with a defined code;
 * after STOP and RELEASE of both streams and time passing, every I/O request has come back; then
 * SET_PARAMS, PREPARE, START and a period of playback still work. Normal runs replay {@code
 * SoundFuzzTestInputs/requests/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class SoundFuzzTest {
  private static final long MS = 1_000_000L;
  private static final Set<Integer> CODES = Set.of(VirtioSnd.S_OK, VirtioSnd.S_BAD_MSG,
      VirtioSnd.S_NOT_SUPP, VirtioSnd.S_IO_ERR);
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("SoundFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    AtomicLong now = new AtomicLong(1_000_000_000_000L);
    SoundDevice device = new SoundDevice(new NullBackend(), now::get);
    try (FuzzRig rig = new FuzzRig(device, VirtioSnd.XFER_SIZE, -VirtioSnd.PCM_STATUS_SIZE,
        VirtioSnd.NUM_QUEUES, 64, 0, 1, 2, 3)) {
      try {
        for (FuzzRig.Request r : FuzzRig.parse(input)) {
          if (r.extra() == 1) {
            now.addAndGet((r.readable().length + 1L) * MS);
            rig.kick(VirtioSnd.TX_QUEUE);
            rig.kick(VirtioSnd.RX_QUEUE);
            continue;
          }
          int queue = r.queue(VirtioSnd.NUM_QUEUES);
          if (rig.add(queue, r.readable(), r.writable(), r.splitReadable(), r.splitWritable())
              == null) {
            break;
          }
          REQUESTS.incrementAndGet();
          if (r.kick()) {
            rig.kick(queue);
          }
        }
        for (int queue = 0; queue < VirtioSnd.NUM_QUEUES; queue++) {
          rig.kick(queue);
        }
        checkAnswers(rig);
        assertEquals(0, rig.inFlight(VirtioSnd.CONTROL_QUEUE), "every control request answered");
        rig.rewind(VirtioSnd.CONTROL_QUEUE);
        for (int stream = 0; stream < 2; stream++) {
          control(rig, SoundRig.hdr(VirtioSnd.R_PCM_STOP, stream));
          control(rig, SoundRig.hdr(VirtioSnd.R_PCM_RELEASE, stream));
        }
        for (int i = 0; i < 3; i++) {
          now.addAndGet(10_000 * MS);
          rig.kick(VirtioSnd.TX_QUEUE);
          rig.kick(VirtioSnd.RX_QUEUE);
        }
        checkAnswers(rig);
        assertEquals(0, rig.inFlight(VirtioSnd.TX_QUEUE), "every TX request came back");
        assertEquals(0, rig.inFlight(VirtioSnd.RX_QUEUE), "every RX request came back");
        rig.rewind(VirtioSnd.CONTROL_QUEUE);
        rig.rewind(VirtioSnd.TX_QUEUE);
        playbackStillWorks(rig, now);
        rig.checkNoStrayWrites();
      } finally {
        for (int queue = 0; queue < VirtioSnd.NUM_QUEUES; queue++) {
          device.queueStopped(queue);
        }
      }
    }
  }

  private static void checkAnswers(FuzzRig rig) throws Exception {
    for (FuzzRig.Done d : rig.collect()) {
      checkAnswer(rig, d);
    }
  }

  private static void checkAnswer(FuzzRig rig, FuzzRig.Done d) throws Exception {
    {
      FuzzRig.Chain c = d.chain();
      assertTrue(c.queue() != VirtioSnd.EVENT_QUEUE, "no events are generated");
      if (d.len() == 0) {
        return;
      }
      int status;
      if (c.queue() == VirtioSnd.CONTROL_QUEUE) {
        assertTrue(d.len() >= VirtioSnd.HDR_SIZE, "a control answer starts with a status");
        status = u32(rig.reply(d), 0);
      } else {
        assertTrue(d.len() >= VirtioSnd.PCM_STATUS_SIZE, "an I/O answer has a status");
        status = u32(rig.read(c, c.writeGpa() + c.writeLen() - VirtioSnd.PCM_STATUS_SIZE, 4), 0);
      }
      assertTrue(CODES.contains(status), "status 0x" + Integer.toHexString(status));
    }
  }

  private static int u32(byte[] b, int at) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
  }

  /**
   * Sends a control request, returns its status. I/O requests the request completed (a STOP or
   * RELEASE returns what the stream held) come back in the same pass and are checked too.
   */
  private static int control(FuzzRig rig, byte[] request) throws Exception {
    FuzzRig.Chain sent =
        rig.add(VirtioSnd.CONTROL_QUEUE, request, VirtioSnd.HDR_SIZE, false, false);
    rig.kick(VirtioSnd.CONTROL_QUEUE);
    FuzzRig.Done answer = null;
    for (FuzzRig.Done d : rig.collect()) {
      checkAnswer(rig, d);
      if (d.chain() == sent) {
        answer = d;
      }
    }
    assertTrue(answer != null, "the control request is answered at once");
    return u32(rig.reply(answer), 0);
  }

  private static void playbackStillWorks(FuzzRig rig, AtomicLong now) throws Exception {
    assertEquals(VirtioSnd.S_OK, control(rig, SoundRig.setParams(0, 7680, 1920, 0, 2,
        VirtioSnd.FMT_S16, VirtioSnd.RATE_48000)));
    assertEquals(VirtioSnd.S_OK, control(rig, SoundRig.hdr(VirtioSnd.R_PCM_PREPARE, 0)));
    assertEquals(VirtioSnd.S_OK, control(rig, SoundRig.hdr(VirtioSnd.R_PCM_START, 0)));
    byte[] tx = new byte[4 + 1920];
    rig.add(VirtioSnd.TX_QUEUE, tx, VirtioSnd.PCM_STATUS_SIZE, true, false);
    rig.kick(VirtioSnd.TX_QUEUE);
    now.addAndGet(10 * MS);
    rig.kick(VirtioSnd.TX_QUEUE);
    var done = rig.collect();
    assertEquals(1, done.size(), "a period plays in 10 ms");
    byte[] status = rig.reply(done.getFirst());
    assertEquals(VirtioSnd.S_OK, u32(status, 0));
    assertEquals(1920, u32(status, 4));
  }
}
