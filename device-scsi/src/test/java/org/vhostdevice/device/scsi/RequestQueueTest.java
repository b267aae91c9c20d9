// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.scsi.ScsiHarness.cdb;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.scsi.ScsiHarness.Result;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The virtio layer: request parsing, LUN addressing, response codes, residuals, used lengths. */
class RequestQueueTest {
  private static final byte[] TUR = cdb(0, 0, 0, 0, 0, 0);

  /** A LUN that records what reaches it. */
  static final class RecordingLun implements LogicalUnit {
    final List<CommandType> seen = new ArrayList<>();

    @Override
    public Sense execute(CommandType type, ScsiCommand c) {
      seen.add(type);
      return null;
    }
  }

  private final ScsiHarness h;
  private final RecordingLun lun = new RecordingLun();
  private final RequestQueue rq = new RequestQueue(new EmulatedTarget(List.of(lun)));

  RequestQueueTest() throws Exception {
    h = new ScsiHarness();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  @Test
  void aCommandReachesItsLunAndIsOk() throws Exception {
    Result r = h.run(rq, LunAddress.encode(0, 0), TUR, null, 0);
    assertTrue(r.good());
    assertEquals(List.of(CommandType.TEST_UNIT_READY), lun.seen);
    assertEquals(VirtioScsi.RESP_SIZE, r.usedLen(), "the sense area counts as written");
  }

  @Test
  void theReportLunsWellKnownLunIsBadTarget() throws Exception {
    Result r = h.run(rq, cdb(0xC1, 1, 0, 0, 0, 0, 0, 0), TUR, null, 64);
    assertEquals(VirtioScsi.S_BAD_TARGET, r.response());
    assertEquals(64, r.residual());
    assertTrue(lun.seen.isEmpty());
  }

  @Test
  void anUnknownTargetIsBadTargetAndNoLunIsCalled() throws Exception {
    Result r = h.run(rq, LunAddress.encode(1, 0), TUR, null, 0);
    assertEquals(VirtioScsi.S_BAD_TARGET, r.response());
    assertTrue(lun.seen.isEmpty());
  }

  @Test
  void aLunInAnotherAddressingFormatIsFailure() throws Exception {
    assertEquals(VirtioScsi.S_FAILURE,
        h.run(rq, cdb(1, 0, 0, 0, 0, 0, 0, 0), TUR, null, 0).response());
    assertEquals(VirtioScsi.S_FAILURE,
        h.run(rq, cdb(2, 0, 0x40, 0, 0, 0, 0, 0), TUR, null, 0).response());
    assertTrue(lun.seen.isEmpty());
  }

  @Test
  void aOneByteRequestIsFailureAndTheQueueGoesOn() throws Exception {
    long[] at = new long[1];
    h.publish(new byte[][] {new byte[1]}, new int[] {VirtioScsi.RESP_SIZE}, at);
    rq.handle(h.vq);
    UsedElement e = h.reap();
    Result r = ScsiHarness.decode(e.len(), h.get(at[0], VirtioScsi.RESP_SIZE), new byte[0]);
    assertEquals(VirtioScsi.S_FAILURE, r.response());
    assertTrue(h.run(rq, LunAddress.encode(0, 0), TUR, null, 0).good());
  }

  @Test
  void aRequestWithNoRoomForAResponseIsReturnedEmptyAndTheQueueGoesOn() throws Exception {
    h.publish(new byte[][] {ScsiHarness.request(LunAddress.encode(0, 0), TUR)}, new int[] {8},
        new long[1]);
    rq.handle(h.vq);
    assertEquals(0, h.reap().len());
    assertEquals(1, rq.failed());
    assertTrue(h.run(rq, LunAddress.encode(0, 0), TUR, null, 0).good());
  }

  @Test
  void aResponseHeaderSplitOverDescriptorsIsWrittenWhole() throws Exception {
    // Writable parts of 5, 10 and 200 bytes: header and sense straddle the first two.
    long[] at = new long[3];
    h.publish(new byte[][] {ScsiHarness.request(LunAddress.encode(0, 0), cdb(0xFF, 0, 0, 0, 0, 0))},
        new int[] {5, 10, 200}, at);
    RequestQueue real = new RequestQueue(
        ScsiMain.target(List.of(new MemoryBackend(16)), false, false));
    real.handle(h.vq);
    UsedElement e = h.reap();
    byte[] resp = new byte[VirtioScsi.RESP_SIZE];
    System.arraycopy(h.get(at[0], 5), 0, resp, 0, 5);
    System.arraycopy(h.get(at[1], 10), 0, resp, 5, 10);
    System.arraycopy(h.get(at[2], 200), 0, resp, 15, VirtioScsi.RESP_SIZE - 15);
    Result r = ScsiHarness.decode(e.len(), resp, new byte[0]);
    assertEquals(ScsiStatus.CHECK_CONDITION, r.status());
    assertArrayEquals(Sense.INVALID_COMMAND_OPERATION_CODE.fixedFormat(), r.sense());
    assertEquals(215 - VirtioScsi.RESP_SIZE, r.residual());
  }

  @Test
  void lunsAboveTwoHundredFiftyFiveDecode() {
    byte[] b = LunAddress.encode(0, 0x1234);
    int d = LunAddress.decode(b, 0);
    assertEquals(0, LunAddress.target(d));
    assertEquals(0x1234, LunAddress.lun(d));
    assertEquals(LunAddress.REPORT_LUNS, LunAddress.decode(cdb(0xC1, 1, 0, 0, 0, 0, 0, 0), 0));
    assertEquals(LunAddress.INVALID, LunAddress.decode(cdb(1, 0, 0x80, 0, 0, 0, 0, 0), 0));
  }
}
