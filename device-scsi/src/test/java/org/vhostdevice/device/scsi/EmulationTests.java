// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.scsi.ScsiHarness.cdb;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.scsi.ScsiHarness.Result;
import org.vhostdevice.queue.DescriptorChain;

/**
 * The Rust crate's emulation tests (spec 2.6), run over the whole request path on a 16-block
 * image whose sector i holds the hex digit of i. Subclasses supply the image (memory, file).
 */
abstract class EmulationTests {
  static final int BLOCKS = 16;
  static final byte[] LUN0 = LunAddress.encode(0, 0);

  ScsiHarness h;
  BlockBackend image;
  RequestQueue rq;

  /** A 16-block image, sector i filled with the ASCII hex digit of i. */
  abstract BlockBackend hexImage() throws Exception;

  /** The image's bytes as they are now. */
  abstract byte[] imageBytes() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    h = new ScsiHarness();
    image = hexImage();
    rq = new RequestQueue(ScsiMain.target(List.of(image), false, false));
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
    image.close();
  }

  Result in(byte[] cdb, int dataIn) throws Exception {
    return h.run(rq, LUN0, cdb, null, dataIn);
  }

  static void assertSense(Result r, Sense expected) {
    assertEquals(VirtioScsi.S_OK, r.response());
    assertEquals(ScsiStatus.CHECK_CONDITION, r.status());
    assertEquals(Sense.FIXED_SIZE, r.senseLen());
    assertArrayEquals(expected.fixedFormat(), r.sense());
  }

  static byte[] sectors(int... digits) {
    byte[] b = new byte[digits.length * 512];
    for (int i = 0; i < digits.length; i++) {
      Arrays.fill(b, i * 512, (i + 1) * 512, (byte) Character.forDigit(digits[i], 16));
    }
    return b;
  }

  @Test
  void testUnitReady() throws Exception {
    Result r = in(cdb(0, 0, 0, 0, 0, 0), 0);
    assertTrue(r.good());
    assertEquals(0, r.senseLen());
  }

  @Test
  void reportLunsListsFiveLuns() throws Exception {
    rq = new RequestQueue(ScsiMain.target(
        List.of(image, image, image, image, image), false, false));
    Result r = in(cdb(0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0), 256);
    assertTrue(r.good());
    byte[] want = new byte[8 + 40];
    want[3] = 40;
    for (int i = 0; i < 5; i++) {
      want[8 + i * 8 + 1] = (byte) i;
    }
    assertArrayEquals(want, Arrays.copyOf(r.dataIn(), want.length));
    assertEquals(256 - want.length, r.residual());
  }

  @Test
  void read10ReadsBlockFive() throws Exception {
    Result r = in(cdb(0x28, 0, 0, 0, 0, 5, 0, 0, 1, 0), 512);
    assertTrue(r.good());
    assertArrayEquals(sectors(5), r.dataIn());
    assertEquals(0, r.residual());
    assertEquals(VirtioScsi.RESP_SIZE + 512, r.usedLen());
  }

  @Test
  void read10ReadsTheLastBlock() throws Exception {
    Result r = in(cdb(0x28, 0, 0, 0, 0, 15, 0, 0, 1, 0), 512);
    assertTrue(r.good());
    assertArrayEquals(sectors(15), r.dataIn());
  }

  @Test
  void read10PastTheEndIsOutOfRange() throws Exception {
    assertSense(in(cdb(0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0), 512),
        Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE);
  }

  @Test
  void read10CrossingTheEndIsOutOfRange() throws Exception {
    assertSense(in(cdb(0x28, 0, 0, 0, 0, 15, 0, 0, 2, 0), 1024),
        Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE);
  }

  @Test
  void write10ThenRead10RoundTrips() throws Exception {
    byte[] data = new byte[1024];
    new java.util.Random(1).nextBytes(data);
    Result w = h.run(rq, LUN0, cdb(0x2A, 0, 0, 0, 0, 3, 0, 0, 2, 0), data, 0);
    assertTrue(w.good());
    Result r = in(cdb(0x28, 0, 0, 0, 0, 3, 0, 0, 2, 0), 1024);
    assertArrayEquals(data, r.dataIn());
    assertArrayEquals(data, Arrays.copyOfRange(imageBytes(), 3 * 512, 5 * 512));
    assertArrayEquals(sectors(5), Arrays.copyOfRange(imageBytes(), 5 * 512, 6 * 512));
  }

  @Test
  void writeSame16ZeroesFiveBlocksOnly() throws Exception {
    byte[] zero = new byte[512];
    Result r = h.run(rq, LUN0, cdb(0x93, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0), zero, 0);
    assertTrue(r.good());
    byte[] img = imageBytes();
    assertArrayEquals(sectors(4), Arrays.copyOfRange(img, 4 * 512, 5 * 512));
    assertArrayEquals(new byte[5 * 512], Arrays.copyOfRange(img, 5 * 512, 10 * 512));
    assertArrayEquals(sectors(10), Arrays.copyOfRange(img, 10 * 512, 11 * 512));
  }

  @Test
  void readCapacity10() throws Exception {
    Result r = in(cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), 8);
    assertTrue(r.good());
    assertArrayEquals(cdb(0, 0, 0, 15, 0, 0, 2, 0), r.dataIn());
  }

  @Test
  void readCapacity16() throws Exception {
    Result r = in(cdb(0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0), 32);
    assertTrue(r.good());
    byte[] want = new byte[32];
    want[7] = 15;
    want[10] = 2;
    want[14] = (byte) 0xC0;
    assertArrayEquals(want, r.dataIn());
  }

  @Test
  void inquiryStandardDataIsTheRustDaemons() throws Exception {
    Result r = in(cdb(0x12, 0, 0, 0, 96, 0), 96);
    assertTrue(r.good());
    byte[] want = new byte[96];
    want[2] = 7;
    want[3] = 0x12;
    want[4] = 91;
    System.arraycopy("rust-vmmvhost-user-scsi v0  ".getBytes(), 0, want, 8, 28);
    want[59] = (byte) 0xC0;
    want[60] = 0x05;
    want[61] = (byte) 0xC0;
    want[62] = 0x06;
    assertArrayEquals(want, r.dataIn());
  }

  @Test
  void inquiryIsCutToTheAllocationLength() throws Exception {
    Result r = in(cdb(0x12, 0, 0, 0, 5, 0), 96);
    assertTrue(r.good());
    assertEquals(96 - 5, r.residual());
    assertEquals(VirtioScsi.RESP_SIZE + 5, r.usedLen());
  }

  @Test
  void inquiryVpdPages() throws Exception {
    assertArrayEquals(cdb(0, 0, 0, 3, 0, 0xB1, 0xB2),
        Arrays.copyOf(in(cdb(0x12, 1, 0, 0, 255, 0), 64).dataIn(), 7));
    assertArrayEquals(cdb(0, 0xB2, 0, 4, 0, 0xE4, 2, 0),
        Arrays.copyOf(in(cdb(0x12, 1, 0xB2, 0, 255, 0), 64).dataIn(), 8));
    byte[] b1 = in(cdb(0x12, 1, 0xB1, 0, 255, 0), 64).dataIn();
    assertArrayEquals(cdb(0, 0xB1, 0, 60, 0, 0), Arrays.copyOf(b1, 6));
  }

  @Test
  void inquiryUnsupportedVpdPageIsInvalidField() throws Exception {
    assertSense(in(cdb(0x12, 1, 0x80, 0, 255, 0), 64), Sense.INVALID_FIELD_IN_CDB);
    assertSense(in(cdb(0x12, 1, 0xFF, 0, 255, 0), 64), Sense.INVALID_FIELD_IN_CDB);
    assertSense(in(cdb(0x12, 0, 0x80, 0, 255, 0), 64), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void requestSenseFixed() throws Exception {
    Result r = in(cdb(0x03, 0, 0, 0, 255, 0), 64);
    assertTrue(r.good());
    assertArrayEquals(Sense.NO_ADDITIONAL_SENSE_INFORMATION.fixedFormat(),
        Arrays.copyOf(r.dataIn(), 18));
    assertEquals(64 - 18, r.residual());
  }

  @Test
  void requestSenseDescriptorFormatIsInvalidField() throws Exception {
    assertSense(in(cdb(0x03, 1, 0, 0, 255, 0), 64), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void unknownOpcodeIsInvalidCommand() throws Exception {
    assertSense(in(cdb(0xFF, 0, 0, 0, 0, 0), 0), Sense.INVALID_COMMAND_OPERATION_CODE);
  }

  @Test
  void unknownServiceActionIsInvalidField() throws Exception {
    assertSense(in(cdb(0xA3, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void nacaIsInvalidField() throws Exception {
    assertSense(in(cdb(0, 0, 0, 0, 0, 0x04), 0), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void aDataInBufferTooShortIsOverrun() throws Exception {
    Result r = in(cdb(0x28, 0, 0, 0, 0, 5, 0, 0, 2, 0), 512);
    assertEquals(VirtioScsi.S_OVERRUN, r.response());
    assertEquals(0, r.residual());
    assertArrayEquals(sectors(5), r.dataIn(), "what fits is delivered");
  }

  @Test
  void aOneByteCdbIsTooShort() throws Exception {
    h.publish(new byte[][] {new byte[51]}, new int[] {VirtioScsi.RESP_SIZE}, new long[1]);
    DescriptorChain chain = h.pop();
    ScsiCommand c = new ScsiCommand();
    c.begin(chain.reader(), chain.writer());
    c.cdbLength = 1;
    c.cdb[0] = 0x28;
    EmulatedTarget t = ScsiMain.target(List.of(image), false, false);
    assertThrows(Cdb.TooShortException.class, () -> t.execute(0, c));
  }

  @Test
  void modeSense6AllPages() throws Exception {
    Result r = in(cdb(0x1A, 0, 0x3F, 0, 255, 0), 64);
    assertTrue(r.good());
    byte[] want = new byte[24];
    want[0] = 23;
    want[2] = 0x10;
    want[4] = 0x08;
    want[5] = 0x12;
    want[6] = 0x04;
    assertArrayEquals(want, Arrays.copyOf(r.dataIn(), 24));
    assertEquals(64 - 24, r.residual());
  }

  @Test
  void modeSense6ChangeableAndSavedAreRefused() throws Exception {
    assertSense(in(cdb(0x1A, 0, 0x48, 0, 255, 0), 64), Sense.INVALID_FIELD_IN_CDB);
    Result saved = in(cdb(0x1A, 0, 0xC8, 0, 255, 0), 64);
    assertSense(saved, Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
    assertEquals(23, saved.dataIn()[0], "the header was already sent");
    assertSense(in(cdb(0x1A, 0, 0x01, 0, 255, 0), 64), Sense.INVALID_FIELD_IN_CDB);
  }

  @Test
  void synchronizeCache() throws Exception {
    assertTrue(in(cdb(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0).good());
  }
}
