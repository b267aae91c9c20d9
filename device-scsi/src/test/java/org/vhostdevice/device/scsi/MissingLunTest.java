// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.scsi.EmulationTests.assertSense;
import static org.vhostdevice.device.scsi.ScsiHarness.cdb;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.scsi.ScsiHarness.Result;

/** Commands to a LUN number without an image (the Rust bad_lun tests), and REPORT LUNS modes. */
class MissingLunTest {
  private static final byte[] LUN3 = LunAddress.encode(0, 3);
  private final ScsiHarness h;
  private final RequestQueue rq;

  MissingLunTest() throws Exception {
    h = new ScsiHarness();
    rq = new RequestQueue(ScsiMain.target(List.of(new MemoryBackend(16)), false, false));
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  private Result in(byte[] cdb, int n) throws Exception {
    return h.run(rq, LUN3, cdb, null, n);
  }

  @Test
  void reportLunsStillWorksAndListsTheRealLun() throws Exception {
    for (int select : new int[] {0, 2}) {
      Result r = in(cdb(0xA0, 0, select, 0, 0, 0, 0, 0, 1, 0, 0, 0), 64);
      assertTrue(r.good());
      assertArrayEquals(cdb(0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
          Arrays.copyOf(r.dataIn(), 16));
    }
  }

  @Test
  void reportLunsEmptySelections() throws Exception {
    for (int select : new int[] {1, 0x10, 0x11, 0x12}) {
      Result r = in(cdb(0xA0, 0, select, 0, 0, 0, 0, 0, 1, 0, 0, 0), 64);
      assertTrue(r.good());
      assertArrayEquals(new byte[8], Arrays.copyOf(r.dataIn(), 8));
      assertEquals(64 - 8, r.residual());
    }
  }

  @Test
  void reportLunsUnknownSelectionIsInvalidField() throws Exception {
    assertSense(in(cdb(0xA0, 0, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0), 64), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void inquiryReportsNoLogicalUnit() throws Exception {
    Result r = in(cdb(0x12, 0, 0, 0, 96, 0), 96);
    assertTrue(r.good());
    assertEquals(0x7F, r.dataIn()[0] & 0xFF);
    assertEquals(91, r.dataIn()[4]);
    Result vpd = in(cdb(0x12, 1, 0, 0, 96, 0), 96);
    assertTrue(vpd.good());
    assertArrayEquals(cdb(0x7F, 0), Arrays.copyOf(vpd.dataIn(), 2));
    assertEquals(96 - 2, vpd.residual());
  }

  @Test
  void requestSenseSaysLogicalUnitNotSupported() throws Exception {
    Result r = in(cdb(0x03, 0, 0, 0, 255, 0), 64);
    assertTrue(r.good());
    assertArrayEquals(Sense.LOGICAL_UNIT_NOT_SUPPORTED.fixedFormat(),
        Arrays.copyOf(r.dataIn(), 18));
    assertSense(in(cdb(0x03, 1, 0, 0, 255, 0), 64), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void otherCommandsGetLogicalUnitNotSupportedWithTheStandardCode() throws Exception {
    Result r = in(cdb(0, 0, 0, 0, 0, 0), 0);
    assertSense(r, Sense.LOGICAL_UNIT_NOT_SUPPORTED);
    assertArrayEquals(new int[] {5, 0x25, 0}, r.senseTriple(), "SPC's 25h, not Rust's 21h");
    assertSense(in(cdb(0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0), 512), Sense.LOGICAL_UNIT_NOT_SUPPORTED);
  }

  @Test
  void anUnknownOpcodeIsStillInvalidCommand() throws Exception {
    assertSense(in(cdb(0xFF, 0, 0, 0, 0, 0), 0), Sense.INVALID_COMMAND_OPERATION_CODE);
  }
}
