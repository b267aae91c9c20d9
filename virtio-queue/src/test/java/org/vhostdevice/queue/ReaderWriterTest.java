// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;

/** Readers and writers across descriptors and across two adjacent regions. */
class ReaderWriterTest {
  static final long R0 = 0x1_0000;
  static final long R1 = 0x2_0000; // directly after R0: one buffer may span both
  final FakeRam ram = new FakeRam(R0, 0x10000, R1, 0x10000);
  final DriverQueue driver = DriverQueue.layout(ram.memory, 16, R0);
  final SplitQueue queue = new SplitQueue(16);
  final DescriptorChain chain = new DescriptorChain();

  ReaderWriterTest() throws Exception {
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
  }

  @AfterEach
  void close() {
    ram.close();
  }

  private void pop(Buffer... buffers) throws Exception {
    driver.publish(driver.addChain(buffers));
    assertTrue(queue.pop(ram.memory, chain));
  }

  @Test
  void bufferSpanningTwoRegionsReadsAsOne() throws Exception {
    long start = R1 - 5;
    byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ram.memory.write(start, MemorySegment.ofArray(bytes));
    pop(new Buffer(start, 10, false));
    assertEquals(5, chain.reader().currentPiece().byteSize(), "the first piece ends at the region");
    byte[] got = new byte[10];
    chain.reader().readFully(MemorySegment.ofArray(got));
    assertArrayEquals(bytes, got);
  }

  @Test
  void littleEndianValuesStraddlingPiecesAndDescriptors() throws Exception {
    long a = R0 + 0x9000;
    long b = R0 + 0xA000;
    ram.memory.write(a, MemorySegment.ofArray(new byte[] {0x11, 0x22, 0x33}));
    ram.memory.write(b, MemorySegment.ofArray(new byte[] {0x44, 0x55, 0x66, 0x77, (byte) 0x88,
        1, 2, 3, 4, 5, 6, 7, 8}));
    pop(new Buffer(a, 3, false), new Buffer(b, 13, false));
    Reader r = chain.reader();
    assertEquals(0x2211, r.readU16());
    assertEquals(0x66554433, r.readU32());
    assertEquals(0x77, r.readU8());
    assertEquals(0x88, r.readU8());
    assertEquals(0x0807060504030201L, r.readU64());
    assertEquals(0, r.remaining());
    assertEquals(16, r.bytesRead());
    assertThrows(ChainTooShortException.class, r::readU8);
  }

  @Test
  void writerFillsPiecesInOrderAndCountsBytes() throws Exception {
    long a = R1 - 3;
    pop(new Buffer(R0 + 0x9000, 4, false), new Buffer(a, 6, true), new Buffer(R0 + 0xB000, 8, true));
    Writer w = chain.writer();
    assertEquals(14, w.remaining());
    w.writeU32(0xAABBCCDD); // straddles the region boundary
    w.writeU16(0x1122);
    w.writeU64(0x0102030405060708L); // lands in the third descriptor
    assertEquals(14, w.bytesWritten());
    byte[] first = new byte[6];
    ram.memory.read(a, MemorySegment.ofArray(first));
    assertArrayEquals(new byte[] {(byte) 0xDD, (byte) 0xCC, (byte) 0xBB, (byte) 0xAA, 0x22, 0x11},
        first);
    assertEquals(0x0102030405060708L,
        ram.at(R0 + 0xB000, 8).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0));
    assertThrows(ChainTooShortException.class, () -> w.writeU8(0));
  }

  @Test
  void readableAndWritableAreSeparateWhateverTheOrder() throws Exception {
    // A writable descriptor before a readable one is tolerated: each view skips the other kind.
    pop(new Buffer(R0 + 0x9000, 4, true), new Buffer(R0 + 0xA000, 2, false));
    assertEquals(2, chain.reader().remaining());
    assertEquals(4, chain.writer().remaining());
  }

  @Test
  void bulkCopiesAreBoundedByWhatIsLeft() throws Exception {
    pop(new Buffer(R0 + 0x9000, 4, false), new Buffer(R0 + 0xA000, 8, true));
    byte[] big = new byte[100];
    assertEquals(4, chain.reader().read(MemorySegment.ofArray(big)));
    assertEquals(8, chain.writer().write(MemorySegment.ofArray(big)));
    assertThrows(ChainTooShortException.class,
        () -> chain.writer().writeFully(MemorySegment.ofArray(new byte[1])));
  }

  @Test
  void currentPieceAndConsumeGiveZeroCopyAccess() throws Exception {
    pop(new Buffer(R1 - 4, 8, true));
    Writer w = chain.writer();
    MemorySegment piece = w.currentPiece();
    assertEquals(4, piece.byteSize());
    piece.fill((byte) 7);
    w.consume(4);
    assertEquals(4, w.currentPiece().byteSize());
    w.consume(4);
    assertEquals(0, w.currentPiece().byteSize());
    assertEquals(8, w.bytesWritten());
    assertThrows(IllegalArgumentException.class, () -> w.consume(1));
    assertEquals(7, ram.at(R1 - 1, 1).get(ValueLayout.JAVA_BYTE, 0));
  }

  @Test
  void skipMovesWithoutCopying() throws Exception {
    pop(new Buffer(R0 + 0x9000, 10, false));
    ram.at(R0 + 0x9000 + 8, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0, (short) 0x4242);
    chain.reader().skip(8);
    assertEquals(0x4242, chain.reader().readU16());
    assertThrows(ChainTooShortException.class, () -> chain.reader().skip(1));
  }

  @Test
  void readerAndWriterAreRewoundForEachChain() throws Exception {
    pop(new Buffer(R0 + 0x9000, 4, false));
    chain.reader().skip(4);
    pop(new Buffer(R0 + 0x9000, 6, false));
    assertEquals(6, chain.reader().remaining());
    assertEquals(0, chain.reader().bytesRead());
  }
}
