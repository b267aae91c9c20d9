// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-spi: arbitrary request chains (transfer
 * heads, TX/RX buffers, descriptor shapes, batches) into the request queue over the ioctl-level
 * fake spidev. Oracles ({@link FuzzRig} plus): every request is answered in the pass that took
 * it; the used length is 0 when there is no writable byte for the result and the whole writable
 * size otherwise; the result (the last writable byte) is TRANS_OK, PARAM_ERR or TRANS_ERR;
 * afterwards a well-formed TX-only and RX-only request still work. Normal runs replay {@code
 * SpiFuzzTestInputs/requests/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class SpiFuzzTest {
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("SpiFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    FakeSpidev spidev = FakeSpidev.dummy();
    VirtioSpiDevice device =
        new VirtioSpiDevice(FakeSpidev.DUMMY_CONFIG, spidev.opener(), new ReentrantLock());
    try (FuzzRig rig = new FuzzRig(device, SpiTransferHead.SIZE, -SpiTransferHead.RESULT_SIZE,
        1, 64, 0)) {
      try {
        for (FuzzRig.Request r : FuzzRig.parse(input)) {
          if (rig.add(0, r.readable(), r.writable(), r.splitReadable(), r.splitWritable())
              == null) {
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
        wellFormedRequestsStillWork(rig);
        rig.checkNoStrayWrites();
      } finally {
        device.queueStopped(0);
      }
    }
  }

  private static void checkAnswer(FuzzRig rig, FuzzRig.Done d) throws Exception {
    FuzzRig.Chain c = d.chain();
    if (c.writeLen() == 0) {
      assertEquals(0, d.len(), "no writable byte, nothing written");
      return;
    }
    assertEquals(c.writeLen(), d.len(), "the used length is the writable size");
    byte result = rig.read(c, c.writeGpa() + c.writeLen() - 1, 1)[0];
    assertTrue(result == SpiTransferHead.VIRTIO_SPI_TRANS_OK
        || result == SpiTransferHead.VIRTIO_SPI_PARAM_ERR
        || result == SpiTransferHead.VIRTIO_SPI_TRANS_ERR, "result " + result);
  }

  private static void wellFormedRequestsStillWork(FuzzRig rig) throws Exception {
    byte[] head = VirtioSpiDeviceTest.head(0, 8, 1, 1, 0, 10_000);
    byte[] tx = new byte[head.length + 3];
    System.arraycopy(head, 0, tx, 0, head.length);
    tx[head.length] = 1;
    tx[head.length + 1] = 2;
    tx[head.length + 2] = 3;
    rig.add(0, tx, 1, true, false);
    rig.add(0, head, 5, false, true);
    rig.kick(0);
    var done = rig.collect();
    assertEquals(2, done.size());
    assertArrayEquals(new byte[] {SpiTransferHead.VIRTIO_SPI_TRANS_OK}, rig.reply(done.get(0)));
    byte[] rx = rig.reply(done.get(1));
    assertEquals(5, rx.length);
    assertEquals(SpiTransferHead.VIRTIO_SPI_TRANS_OK, rx[4], "the RX request succeeds");
  }
}
