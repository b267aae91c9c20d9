// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-i2c: arbitrary request chains (headers,
 * data, descriptor shapes, batches) into the request queue over a programmable adapter with
 * clients 0x20 and 0x21. Oracles ({@link FuzzRig} plus): every request is answered in the same
 * pass; a used length is 0 (no status byte to write), 1 (the status) or, for a successful read,
 * the data plus the status; the status is OK or ERR; afterwards a well-formed write and read
 * still work. Normal runs replay {@code I2cFuzzTestInputs/requests/}; {@code JAZZER_FUZZ=1}
 * fuzzes.
 */
class I2cFuzzTest {
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("I2cFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    ProgrammableBus bus = new ProgrammableBus(1);
    I2cDevice device = new I2cDevice(I2cMap.open(DeviceList.parse("1:32:33"), cfg -> bus));
    try (FuzzRig rig = new FuzzRig(device, I2cDevice.OUT_HDR_SIZE, -I2cDevice.IN_HDR_SIZE,
        1, 64, 0)) {
      for (FuzzRig.Request r : FuzzRig.parse(input)) {
        if (rig.add(0, r.readable(), r.writable(), r.splitReadable(), r.splitWritable()) == null) {
          break;
        }
        REQUESTS.incrementAndGet();
        if (r.kick()) {
          rig.kick(0);
        }
      }
      rig.kick(0);
      for (FuzzRig.Done d : rig.collect()) {
        checkAnswer(rig, d);
      }
      assertEquals(0, rig.inFlight(0), "every request is answered in the pass that took it");
      rig.rewind(0);
      wellFormedRequestsStillWork(rig, bus);
      rig.checkNoStrayWrites();
    }
  }

  private static void checkAnswer(FuzzRig rig, FuzzRig.Done d) throws Exception {
    FuzzRig.Chain c = d.chain();
    if (d.len() == 0) {
      return; // malformed without a writable last descriptor: nowhere to put a status
    }
    int status = rig.read(c, c.lastWriteGpa(), 1)[0];
    assertTrue(status == I2cDevice.VIRTIO_I2C_MSG_OK || status == I2cDevice.VIRTIO_I2C_MSG_ERR,
        "status " + status);
    if (d.len() > 1) {
      assertEquals(I2cDevice.VIRTIO_I2C_MSG_OK, status, "only a successful read returns data");
      assertEquals(c.writeLen(), d.len(), "a read returns its whole buffer and the status");
    }
  }

  private static void wellFormedRequestsStillWork(FuzzRig rig, ProgrammableBus bus)
      throws Exception {
    byte[] write = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) (32 << 1)).putShort((short) 0).putInt(0).put((byte) 7).put((byte) 9)
        .array();
    rig.add(0, write, 1, true, false);
    rig.kick(0);
    FuzzRig.Done w = rig.collect().getFirst();
    assertEquals(1, w.len());
    assertEquals(0, rig.reply(w)[0]);
    assertArrayEquals(new byte[] {7, 9}, bus.written.getLast());
    byte[] read = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) (33 << 1)).putShort((short) 0).putInt(I2cDevice.VIRTIO_I2C_FLAGS_M_RD)
        .array();
    rig.add(0, read, 4, false, true);
    rig.kick(0);
    FuzzRig.Done r = rig.collect().getFirst();
    assertArrayEquals(new byte[] {1, 2, 3, 0}, rig.reply(r), "3 data bytes, then OK");
  }
}
