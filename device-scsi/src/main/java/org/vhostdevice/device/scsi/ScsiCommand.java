// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;

/**
 * One SCSI command in flight: its CDB, the data-out it carries and the data-in space it answers
 * into. Each request queue owns one and reuses it for every request, so the request path
 * allocates no buffers. Small responses (INQUIRY, MODE SENSE ...) are built in {@link #put}
 * and cut to the allocation length when flushed; block data moves directly between the image and
 * guest memory ({@link #readToGuest}, {@link #writeFromGuest}).
 */
final class ScsiCommand {
  static final long NO_ALLOCATION_LENGTH = Long.MAX_VALUE;
  /** Enough for REPORT LUNS of 256 LUNs (2 KiB + 8) and every other response. */
  static final int DATA_CAPACITY = 4096;
  /** Largest single FileChannel transfer (a ByteBuffer view holds at most 2 GiB). */
  private static final long MAX_TRANSFER = 1L << 30;
  /** WRITE SAME fills this much image per write call. */
  static final int FILL_SIZE = 64 * 1024;

  final byte[] cdb = new byte[VirtioScsi.CDB_SIZE];
  int cdbLength = VirtioScsi.CDB_SIZE;
  int taskAttr;
  int prio;
  int crn;

  private Reader dataOut;
  private Writer dataIn;
  private final byte[] data = new byte[DATA_CAPACITY];
  private final MemorySegment dataSegment = MemorySegment.ofArray(data);
  private int dataLength;
  private long allocationLength = NO_ALLOCATION_LENGTH;
  private long dataInBytes;
  private boolean overrun;

  private final byte[] block = new byte[BlockLun.BLOCK_SIZE];
  private final MemorySegment blockSegment = MemorySegment.ofArray(block);
  private ByteBuffer fill;

  /** Starts a command: data-out is what is left of {@code in}, data-in goes to {@code out}. */
  void begin(Reader in, Writer out) {
    this.dataOut = in;
    this.dataIn = out;
    this.dataLength = 0;
    this.allocationLength = NO_ALLOCATION_LENGTH;
    this.dataInBytes = 0;
    this.overrun = false;
  }

  void setAllocationLength(long length) {
    this.allocationLength = length;
  }

  /** Data-in bytes that reached the guest so far. */
  long dataInBytes() {
    return dataInBytes;
  }

  /** The guest's data-in area was too small for the response. */
  boolean overrun() {
    return overrun;
  }

  Reader dataOut() {
    return dataOut;
  }

  // ---- small responses ----

  void put(int b) {
    data[dataLength++] = (byte) b;
  }

  void put(byte[] src) {
    System.arraycopy(src, 0, data, dataLength, src.length);
    dataLength += src.length;
  }

  void putZeros(int n) {
    java.util.Arrays.fill(data, dataLength, dataLength + n, (byte) 0);
    dataLength += n;
  }

  void putBe16(int v) {
    put(v >>> 8);
    put(v);
  }

  void putBe32(long v) {
    putBe16((int) (v >>> 16) & 0xFFFF);
    putBe16((int) v & 0xFFFF);
  }

  void putBe64(long v) {
    putBe32(v >>> 32);
    putBe32(v & 0xFFFF_FFFFL);
  }

  /** Bytes put so far (before the allocation-length cut). */
  int putLength() {
    return dataLength;
  }

  /** Overwrites a byte already put (a length field known only at the end). */
  void patch(int index, int b) {
    data[index] = (byte) b;
  }

  /**
   * Sends what was {@link #put}, cut to the allocation length; a data-in area too small for it
   * gets what fits and marks the command overrun.
   */
  void flush() {
    long n = Math.min(dataLength, allocationLength);
    if (n == 0) {
      return;
    }
    long room = dataIn.remaining();
    if (room < n) {
      overrun = true;
      n = room;
    }
    dataInBytes += dataIn.write(dataSegment.asSlice(0, n));
    dataLength = 0;
  }

  // ---- block data ----

  /** Whether {@code length} bytes of data-in fit; if not the command is marked overrun. */
  boolean dataInFits(long length) {
    if (dataIn.remaining() < length) {
      overrun = true;
      return false;
    }
    return true;
  }

  /**
   * Reads {@code length} image bytes at {@code position} straight into the data-in buffers, as
   * much as fits (an overrun is marked by {@link #dataInFits} beforehand).
   */
  void readToGuest(BlockBackend image, long position, long length) throws IOException {
    long left = Math.min(length, dataIn.remaining());
    long pos = position;
    while (left > 0) {
      MemorySegment piece = dataIn.currentPiece();
      long n = Math.min(Math.min(piece.byteSize(), left), MAX_TRANSFER);
      image.readFully(pos, piece.asSlice(0, n).asByteBuffer());
      dataIn.consume(n);
      dataInBytes += n;
      pos += n;
      left -= n;
    }
  }

  /** Writes {@code length} data-out bytes straight from guest memory to the image. */
  void writeFromGuest(BlockBackend image, long position, long length) throws IOException {
    long left = length;
    long pos = position;
    while (left > 0) {
      MemorySegment piece = dataOut.currentPiece();
      long n = Math.min(Math.min(piece.byteSize(), left), MAX_TRANSFER);
      image.writeFully(pos, piece.asSlice(0, n).asByteBuffer());
      dataOut.consume(n);
      pos += n;
      left -= n;
    }
  }

  /** Reads one block of data-out into the scratch block (WRITE SAME); false if too short. */
  boolean readBlock() {
    if (dataOut.remaining() < block.length) {
      return false;
    }
    dataOut.read(blockSegment);
    return true;
  }

  byte[] block() {
    return block;
  }

  /** Reads {@code n} data-out bytes into the small-response buffer's start (UNMAP parameters). */
  boolean readParameters(int n) {
    if (n > data.length || dataOut.remaining() < n) {
      return false;
    }
    dataOut.read(dataSegment.asSlice(0, n));
    return true;
  }

  byte[] parameters() {
    return data;
  }

  /** A buffer of {@link #FILL_SIZE} bytes repeating the scratch block, made on first use. */
  ByteBuffer fillWithBlock() {
    if (fill == null) {
      fill = ByteBuffer.allocateDirect(FILL_SIZE);
    }
    fill.clear();
    while (fill.hasRemaining()) {
      fill.put(block);
    }
    return fill.flip();
  }
}
