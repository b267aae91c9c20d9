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

/** REPORT SUPPORTED OPERATION CODES: the Rust crate's cases, mode by mode. */
class ReportOpcodesTest {
  private static final byte[] LUN0 = LunAddress.encode(0, 0);
  private static final byte[] NO_TIMEOUTS = cdb(0, 0xA, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  private static final byte[] RC16_USAGE =
      cdb(0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 4);
  private final ScsiHarness h;
  private final RequestQueue rq;

  ReportOpcodesTest() throws Exception {
    h = new ScsiHarness();
    rq = new RequestQueue(ScsiMain.target(List.of(new MemoryBackend(16)), false, false));
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  /** RSOC with reporting options {@code options}, opcode and service action; 1 KiB allocated. */
  private Result rsoc(int options, int opcode, int sa) throws Exception {
    return h.run(rq, LUN0,
        cdb(0xA3, 0x0C, options, opcode, sa >> 8, sa & 0xFF, 0, 0, 4, 0, 0, 0), null, 1024);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static void assertData(byte[] want, Result r) {
    assertTrue(r.good(), "status " + r.status() + " response " + r.response());
    assertArrayEquals(want, Arrays.copyOf(r.dataIn(), want.length));
    assertEquals(1024 - want.length, r.residual(), "nothing more was sent");
  }

  @Test
  void oneCommand() throws Exception {
    assertData(concat(cdb(0, 3, 0, 6), cdb(0, 0, 0, 0, 0, 4)), rsoc(1, 0x00, 0));
  }

  @Test
  void oneCommandWithTimeoutDescriptor() throws Exception {
    assertData(concat(cdb(0, 3, 0, 6), cdb(0, 0, 0, 0, 0, 4), NO_TIMEOUTS), rsoc(0x81, 0x00, 0));
  }

  @Test
  void oneCommandUnsupported() throws Exception {
    assertData(cdb(0, 1, 0, 0), rsoc(1, 0xFF, 0x0102));
  }

  @Test
  void oneCommandThatNeedsAServiceActionIsInvalidField() throws Exception {
    assertSense(rsoc(1, 0x9E, 0x10), Sense.INVALID_FIELD_IN_CDB);
    assertSense(rsoc(1, 0x9E, 0xFF), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void oneServiceAction() throws Exception {
    assertData(concat(cdb(0, 3, 0, 16), RC16_USAGE), rsoc(2, 0x9E, 0x10));
    assertData(concat(cdb(0, 3, 0, 16), RC16_USAGE, NO_TIMEOUTS), rsoc(0x82, 0x9E, 0x10));
  }

  @Test
  void oneServiceActionUnknownOpcodeIsInvalidField() throws Exception {
    assertSense(rsoc(2, 0xFF, 0x0102), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void oneServiceActionUnknownServiceAction() throws Exception {
    assertData(cdb(0, 1, 0, 0), rsoc(2, 0x9E, 0xFF));
  }

  @Test
  void oneServiceActionOfAPlainOpcodeIsInvalidField() throws Exception {
    assertSense(rsoc(2, 0x12, 0), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void mode3PlainOpcode() throws Exception {
    byte[] inquiry = cdb(0x12, 1, 0xFF, 0xFF, 0xFF, 4);
    assertData(concat(cdb(0, 3, 0, 6), inquiry), rsoc(3, 0x12, 0));
    assertData(concat(cdb(0, 3, 0, 6), inquiry, NO_TIMEOUTS), rsoc(0x83, 0x12, 0));
  }

  @Test
  void mode3PlainOpcodeWithAServiceActionIsNotSupported() throws Exception {
    assertData(cdb(0, 1, 0, 0), rsoc(3, 0x12, 1));
  }

  @Test
  void mode3UnknownOpcode() throws Exception {
    assertData(cdb(0, 1, 0, 0), rsoc(3, 0xFF, 0));
  }

  @Test
  void mode3ServiceAction() throws Exception {
    assertData(concat(cdb(0, 3, 0, 16), RC16_USAGE), rsoc(3, 0x9E, 0x10));
    assertData(concat(cdb(0, 3, 0, 16), RC16_USAGE, NO_TIMEOUTS), rsoc(0x83, 0x9E, 0x10));
    assertData(cdb(0, 1, 0, 0), rsoc(3, 0x9E, 0xFF));
  }

  @Test
  void unknownReportingOptionsAreInvalidField() throws Exception {
    assertSense(rsoc(4, 0, 0), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void allCommandsStartWithTheRustDaemonsTwelve() throws Exception {
    Result r = rsoc(0, 0, 0);
    assertTrue(r.good());
    int n = CommandType.all().length;
    assertArrayEquals(cdb(0, 0, 0, n * 8), Arrays.copyOf(r.dataIn(), 4));
    int[][] rust = {{0x00, 0, 0, 6}, {0x03, 0, 0, 6}, {0x12, 0, 0, 6}, {0x1A, 0, 0, 6},
        {0x25, 0, 0, 10}, {0x28, 0, 0, 10}, {0x2A, 0, 0, 10}, {0x35, 0, 0, 10},
        {0x93, 0, 0, 16}, {0x9E, 0x10, 1, 16}, {0xA0, 0, 0, 12}, {0xA3, 0x0C, 1, 12}};
    for (int i = 0; i < rust.length; i++) {
      byte[] want = cdb(rust[i][0], 0, 0, rust[i][1], 0, rust[i][2], 0, rust[i][3]);
      assertArrayEquals(want, Arrays.copyOfRange(r.dataIn(), 4 + i * 8, 12 + i * 8), "entry " + i);
    }
  }

  @Test
  void allCommandsWithTimeoutDescriptors() throws Exception {
    Result r = rsoc(0x80, 0, 0);
    int n = CommandType.all().length;
    assertArrayEquals(cdb(0, 0, (n * 20) >> 8, (n * 20) & 0xFF), Arrays.copyOf(r.dataIn(), 4));
    // TEST UNIT READY: CTDP set, then its timeout descriptor.
    assertArrayEquals(concat(cdb(0, 0, 0, 0, 0, 2, 0, 6), NO_TIMEOUTS),
        Arrays.copyOfRange(r.dataIn(), 4, 24));
  }

  @Test
  void synchronizeCacheUsageDataCarriesItsRealOpcode() throws Exception {
    Result r = rsoc(1, 0x35, 0);
    assertEquals(0x35, r.dataIn()[4] & 0xFF, "the Rust daemon reports 0x53 here");
  }
}
