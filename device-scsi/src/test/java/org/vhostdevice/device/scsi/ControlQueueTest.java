// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The control queue answers TMF and AN requests (the Rust daemon never completes them). */
class ControlQueueTest {
  private final ScsiHarness h;
  private final ControlQueue control = new ControlQueue(2);

  ControlQueueTest() throws Exception {
    h = new ScsiHarness();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  private static byte[] tmf(int subtype, byte[] lun) {
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(VirtioScsi.T_TMF).putInt(subtype).put(lun).putLong(77);
    return b.array();
  }

  /** Sends {@code req} with {@code respLen} writable bytes; returns [used len, resp bytes...]. */
  private byte[] send(byte[] req, int respLen) throws Exception {
    long[] at = new long[1];
    h.publish(new byte[][] {req}, new int[] {respLen}, at);
    control.handle(h.vq);
    UsedElement e = h.reap();
    byte[] resp = h.get(at[0], respLen);
    byte[] out = new byte[respLen + 1];
    out[0] = (byte) e.len();
    System.arraycopy(resp, 0, out, 1, respLen);
    return out;
  }

  @Test
  void abortTaskOnAnExistingLunIsFunctionComplete() throws Exception {
    byte[] r = send(tmf(VirtioScsi.TMF_ABORT_TASK, LunAddress.encode(0, 1)), 1);
    assertEquals(1, r[0]);
    assertEquals(VirtioScsi.S_FUNCTION_COMPLETE, r[1]);
  }

  @Test
  void resetsAreFunctionComplete() throws Exception {
    for (int sub : new int[] {VirtioScsi.TMF_LOGICAL_UNIT_RESET, VirtioScsi.TMF_I_T_NEXUS_RESET,
        VirtioScsi.TMF_ABORT_TASK_SET, VirtioScsi.TMF_CLEAR_TASK_SET, VirtioScsi.TMF_QUERY_TASK,
        VirtioScsi.TMF_QUERY_TASK_SET}) {
      byte[] r = send(tmf(sub, LunAddress.encode(0, 0)), 1);
      assertEquals(VirtioScsi.S_FUNCTION_COMPLETE, r[1], "subtype " + sub);
    }
  }

  @Test
  void clearAcaIsRejected() throws Exception {
    assertEquals(VirtioScsi.S_FUNCTION_REJECTED,
        send(tmf(VirtioScsi.TMF_CLEAR_ACA, LunAddress.encode(0, 0)), 1)[1]);
    assertEquals(VirtioScsi.S_FUNCTION_REJECTED, send(tmf(99, LunAddress.encode(0, 0)), 1)[1]);
  }

  @Test
  void aMissingLunIsIncorrectLunAndAnotherTargetIsBadTarget() throws Exception {
    assertEquals(VirtioScsi.S_INCORRECT_LUN,
        send(tmf(VirtioScsi.TMF_ABORT_TASK, LunAddress.encode(0, 2)), 1)[1]);
    assertEquals(VirtioScsi.S_BAD_TARGET,
        send(tmf(VirtioScsi.TMF_ABORT_TASK, LunAddress.encode(3, 0)), 1)[1]);
  }

  @Test
  void asyncNotificationQueryOffersNoEvents() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(VirtioScsi.T_AN_QUERY).put(LunAddress.encode(0, 0)).putInt(0x7E);
    byte[] r = send(b.array(), 8);
    assertEquals(5, r[0]);
    assertEquals(0, ByteBuffer.wrap(r, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    assertEquals(VirtioScsi.S_OK, r[5]);
  }

  @Test
  void shortOrUnknownRequestsAreFailure() throws Exception {
    byte[] r = send(new byte[3], 1);
    assertEquals(1, r[0]);
    assertEquals(VirtioScsi.S_FAILURE, r[1]);
    assertEquals(VirtioScsi.S_FAILURE, send(new byte[] {9, 0, 0, 0, 0, 0, 0, 0}, 1)[1]);
    assertEquals(VirtioScsi.S_FAILURE, send(new byte[8], 1)[1], "a TMF shorter than 24 bytes");
  }
}
