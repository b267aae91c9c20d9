// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.scsi.EmulationTests.assertSense;
import static org.vhostdevice.device.scsi.EmulationTests.sectors;
import static org.vhostdevice.device.scsi.ScsiHarness.cdb;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.scsi.ScsiHarness.Result;

/** What this port does beyond the Rust daemon: more commands, write protection, I/O errors. */
class ImprovementsTest {
  private static final byte[] LUN0 = LunAddress.encode(0, 0);
  private final ScsiHarness h;
  private final MemoryBackend image = MemoryBackend.hexSectors(16);
  private RequestQueue rq = new RequestQueue(ScsiMain.target(List.of(image), false, false));

  ImprovementsTest() throws Exception {
    h = new ScsiHarness();
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  private Result in(byte[] cdb, int n) throws Exception {
    return h.run(rq, LUN0, cdb, null, n);
  }

  private Result out(byte[] cdb, byte[] data) throws Exception {
    return h.run(rq, LUN0, cdb, data, 0);
  }

  private static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void readAndWrite6RoundTrip() throws Exception {
    byte[] data = pattern(512, 6);
    assertTrue(out(cdb(0x0A, 0, 0, 7, 1, 0), data).good());
    assertArrayEquals(data, in(cdb(0x08, 0, 0, 7, 1, 0), 512).dataIn());
  }

  @Test
  void read6LengthZeroMeans256Blocks() throws Exception {
    assertSense(in(cdb(0x08, 0, 0, 0, 0, 0), 512), Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE);
  }

  @Test
  void readAndWrite12RoundTrip() throws Exception {
    byte[] data = pattern(1024, 12);
    assertTrue(out(cdb(0xAA, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0), data).good());
    assertArrayEquals(data, in(cdb(0xA8, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0), 1024).dataIn());
  }

  @Test
  void readAndWrite16RoundTripWithFua() throws Exception {
    byte[] data = pattern(512, 16);
    assertTrue(out(cdb(0x8A, 0x08, 0, 0, 0, 0, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0), data).good());
    assertEquals(1, image.syncs, "FUA write syncs");
    assertArrayEquals(data,
        in(cdb(0x88, 0, 0, 0, 0, 0, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0), 512).dataIn());
    assertSense(in(cdb(0x88, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0, 2, 0, 0), 1024),
        Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE);
  }

  @Test
  void aHugeLba16DoesNotWrapAround() throws Exception {
    assertSense(in(cdb(0x88, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 2, 0, 0),
        1024), Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE);
  }

  @Test
  void modeSense10() throws Exception {
    Result r = in(cdb(0x5A, 0, 0x08, 0, 0, 0, 0, 0, 64, 0), 64);
    assertTrue(r.good());
    assertArrayEquals(cdb(0, 26, 0, 0x10, 0, 0, 0, 0, 0x08, 0x12, 0x04),
        Arrays.copyOf(r.dataIn(), 11));
    assertEquals(64 - 28, r.residual());
  }

  /** UNMAP parameter list: header, then (LBA, count) pairs as 16-byte descriptors. */
  private static byte[] unmapList(long... lbaCount) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + lbaCount.length * 8);
    b.putShort((short) (6 + lbaCount.length * 8)).putShort((short) (lbaCount.length * 8)).putInt(0);
    for (int i = 0; i < lbaCount.length; i += 2) {
      b.putLong(lbaCount[i]).putInt((int) lbaCount[i + 1]).putInt(0);
    }
    return b.array();
  }

  @Test
  void unmapDeallocatesOnlyTheListedBlocks() throws Exception {
    byte[] params = unmapList(3, 2);
    Result r = h.run(rq, LUN0, cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0), params, 0);
    assertTrue(r.good());
    assertEquals(1, image.holes);
    assertArrayEquals(new byte[1024], Arrays.copyOfRange(image.bytes, 3 * 512, 5 * 512));
    assertArrayEquals(sectors(2), Arrays.copyOfRange(image.bytes, 2 * 512, 3 * 512));
    assertArrayEquals(sectors(5), Arrays.copyOfRange(image.bytes, 5 * 512, 6 * 512));
  }

  @Test
  void unmapOutOfRangeChangesNothing() throws Exception {
    byte[] params = unmapList(1, 1, 15, 2);
    assertSense(h.run(rq, LUN0, cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0), params, 0),
        Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE);
    assertEquals(0, image.holes);
    assertSense(h.run(rq, LUN0, cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 4, 0), params, 0),
        Sense.PARAMETER_LIST_LENGTH_ERROR);
    assertSense(h.run(rq, LUN0, cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 48, 0), params, 0),
        Sense.PARAMETER_LIST_LENGTH_ERROR);
  }

  @Test
  void writeSameWithUnmapAndAZeroBlockPunchesAHole() throws Exception {
    Result r = out(cdb(0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0), new byte[512]);
    assertTrue(r.good());
    assertEquals(1, image.holes);
    assertArrayEquals(new byte[4 * 512], Arrays.copyOfRange(image.bytes, 2 * 512, 6 * 512));
  }

  @Test
  void writeSameWithDataRepeatsTheBlockOverALargeRange() throws Exception {
    MemoryBackend big = new MemoryBackend(1000);
    rq = new RequestQueue(ScsiMain.target(List.of(big), false, false));
    byte[] block = pattern(512, 3);
    assertTrue(out(cdb(0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x03, 0xE6, 0, 0), block).good());
    assertEquals(0, big.holes, "a non-zero block is written, UNMAP or not");
    for (int i = 1; i < 999; i++) {
      assertArrayEquals(block, Arrays.copyOfRange(big.bytes, i * 512, (i + 1) * 512), "block " + i);
    }
    assertArrayEquals(new byte[512], Arrays.copyOfRange(big.bytes, 999 * 512, 1000 * 512));
  }

  @Test
  void writeSame10() throws Exception {
    assertTrue(out(cdb(0x41, 0, 0, 0, 0, 1, 0, 0, 2, 0), new byte[512]).good());
    assertArrayEquals(new byte[1024], Arrays.copyOfRange(image.bytes, 512, 3 * 512));
  }

  @Test
  void readOnlyRefusesEveryWriteWithWriteProtected() throws Exception {
    rq = new RequestQueue(ScsiMain.target(List.of(image), true, false));
    byte[] before = image.bytes.clone();
    assertSense(out(cdb(0x2A, 0, 0, 0, 0, 1, 0, 0, 1, 0), new byte[512]), Sense.WRITE_PROTECTED);
    assertSense(out(cdb(0x93, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0), new byte[512]),
        Sense.WRITE_PROTECTED);
    assertSense(out(cdb(0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0), new byte[24]), Sense.WRITE_PROTECTED);
    assertArrayEquals(new int[] {7, 0x27, 0},
        out(cdb(0x0A, 0, 0, 1, 1, 0), new byte[512]).senseTriple());
    assertArrayEquals(before, image.bytes);
    assertEquals(0x90, in(cdb(0x1A, 0, 0x3F, 0, 255, 0), 64).dataIn()[2] & 0xFF, "WP bit");
    assertTrue(in(cdb(0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0), 512).good(), "reads still work");
  }

  @Test
  void aWriteWithLessDataThanAnnouncedWritesNothing() throws Exception {
    byte[] before = image.bytes.clone();
    assertSense(out(cdb(0x2A, 0, 0, 0, 0, 1, 0, 0, 2, 0), new byte[600]), Sense.TARGET_FAILURE);
    assertArrayEquals(before, image.bytes);
  }

  @Test
  void ioErrorsBecomeSenseAndTheNextRequestIsServed() throws Exception {
    image.failIo = true;
    assertSense(in(cdb(0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0), 512), Sense.UNRECOVERED_READ_ERROR);
    assertSense(out(cdb(0x2A, 0, 0, 0, 0, 1, 0, 0, 1, 0), new byte[512]), Sense.TARGET_FAILURE);
    assertSense(in(cdb(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0), Sense.TARGET_FAILURE);
    image.failIo = false;
    assertArrayEquals(sectors(1), in(cdb(0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0), 512).dataIn());
  }

  @Test
  void solidStateReportsRotationRateOne() throws Exception {
    rq = new RequestQueue(ScsiMain.target(List.of(image), false, true));
    assertArrayEquals(cdb(0, 0xB1, 0, 60, 0, 1),
        Arrays.copyOf(in(cdb(0x12, 1, 0xB1, 0, 255, 0), 64).dataIn(), 6));
  }

  @Test
  void anEmptyImageReportsNoMediumInsteadOfUnderflowing() throws Exception {
    rq = new RequestQueue(ScsiMain.target(List.of(new MemoryBackend(0)), false, false));
    assertSense(in(cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), 8), Sense.MEDIUM_NOT_PRESENT);
  }
}
