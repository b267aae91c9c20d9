// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.vhostdevice.queue.GuestLayouts.U16;
import static org.vhostdevice.queue.GuestLayouts.U32;
import static org.vhostdevice.queue.GuestLayouts.U64;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.memory.GuestRegion;

/**
 * One request: the descriptors reachable from a head, validated as a whole when it is popped and
 * resolved into pieces of guest memory (a buffer spanning two regions is two pieces). A chain
 * object is reused request after request; its arrays only grow, so popping allocates nothing once
 * warm.
 *
 * <p>The driver may rewrite descriptors after publishing them (it must not, but a hostile one
 * will); each descriptor is read exactly once, here, so later reads see only our copy.
 */
public final class DescriptorChain {
  /** The largest indirect table the spec allows (len / 16 must fit a u16 count). */
  static final long MAX_INDIRECT_ENTRIES = 65535;
  private static final long U32_MAX = 0xFFFF_FFFFL;

  private int head;
  private GuestMemory memory;

  private int count;
  private long[] descAddr = new long[8];
  private int[] descLen = new int[8];
  private boolean[] descWrite = new boolean[8];

  int pieceCount;
  MemorySegment[] pieceSeg = new MemorySegment[8];
  long[] pieceOff = new long[8];
  long[] pieceLen = new long[8];
  boolean[] pieceWrite = new boolean[8];

  private long readableBytes;
  private long writableBytes;
  private final Reader reader = new Reader(this);
  private final Writer writer = new Writer(this);

  public int head() {
    return head;
  }

  public GuestMemory memory() {
    return memory;
  }

  public int descriptorCount() {
    return count;
  }

  public long descriptorAddr(int i) {
    return descAddr[checkIndex(i)];
  }

  /** The descriptor's length as an unsigned 32-bit value in an int. */
  public int descriptorLen(int i) {
    return descLen[checkIndex(i)];
  }

  public boolean descriptorWritable(int i) {
    return descWrite[checkIndex(i)];
  }

  private int checkIndex(int i) {
    return java.util.Objects.checkIndex(i, count);
  }

  public long readableBytes() {
    return readableBytes;
  }

  public long writableBytes() {
    return writableBytes;
  }

  /** The device-readable bytes, rewound to the start at every pop. */
  public Reader reader() {
    return reader;
  }

  /** The device-writable bytes, rewound to the start at every pop. */
  public Writer writer() {
    return writer;
  }

  /**
   * Walks and validates the chain at {@code head} in the descriptor table {@code table} (of
   * {@code tableSize} entries), following at most one indirect table.
   */
  void fill(GuestMemory mem, MemorySegment table, int tableSize, int headIndex)
      throws InvalidChainException {
    this.memory = mem;
    this.head = headIndex;
    count = 0;
    pieceCount = 0;
    readableBytes = 0;
    writableBytes = 0;
    if (headIndex >= tableSize) {
      throw new InvalidChainException(headIndex, "head index is outside the " + tableSize
          + "-entry descriptor table");
    }
    MemorySegment current = table;
    int size = tableSize;
    int index = headIndex;
    // A chain visits each table entry at most once: more steps than entries means a loop.
    long budget = tableSize;
    boolean inIndirect = false;
    long total = 0;
    while (true) {
      if (budget-- == 0) {
        throw new InvalidChainException(headIndex, "more descriptors than the table holds (a loop?)");
      }
      long off = (long) index * VirtqDesc.SIZE;
      long addr = current.get(U64, off + VirtqDesc.ADDR);
      int len = current.get(U32, off + VirtqDesc.LEN);
      int flags = current.get(U16, off + VirtqDesc.FLAGS) & 0xFFFF;
      int next = current.get(U16, off + VirtqDesc.NEXT) & 0xFFFF;
      if ((flags & VirtqDesc.F_INDIRECT) != 0) {
        // An indirect descriptor ends the outer chain (its NEXT is ignored, as in rust-vmm).
        if (inIndirect) {
          throw new InvalidChainException(headIndex, "indirect table inside an indirect table");
        }
        long bytes = Integer.toUnsignedLong(len);
        if (bytes == 0 || bytes % VirtqDesc.SIZE != 0
            || bytes / VirtqDesc.SIZE > MAX_INDIRECT_ENTRIES) {
          throw new InvalidChainException(headIndex, "indirect table length " + bytes
              + " is not a positive multiple of 16 within 65535 entries");
        }
        try {
          current = mem.slice(addr, bytes);
        } catch (GuestMemoryException e) {
          throw new InvalidChainException(headIndex, "indirect table: " + e.getMessage());
        }
        size = (int) (bytes / VirtqDesc.SIZE);
        index = 0;
        budget = size;
        inIndirect = true;
        continue;
      }
      boolean write = (flags & VirtqDesc.F_WRITE) != 0;
      total += Integer.toUnsignedLong(len);
      if (total > U32_MAX) {
        throw new InvalidChainException(headIndex, "total length exceeds 2^32 - 1 bytes");
      }
      add(headIndex, mem, addr, len, write);
      if ((flags & VirtqDesc.F_NEXT) == 0) {
        rewind();
        return;
      }
      if (next >= size) {
        throw new InvalidChainException(headIndex, "next index " + next + " is outside the "
            + size + "-entry table");
      }
      index = next;
    }
  }

  private void add(int headIndex, GuestMemory mem, long addr, int len, boolean write)
      throws InvalidChainException {
    if (count == descAddr.length) {
      int n = count * 2;
      descAddr = Arrays.copyOf(descAddr, n);
      descLen = Arrays.copyOf(descLen, n);
      descWrite = Arrays.copyOf(descWrite, n);
    }
    descAddr[count] = addr;
    descLen[count] = len;
    descWrite[count] = write;
    count++;
    long left = Integer.toUnsignedLong(len);
    if (write) {
      writableBytes += left;
    } else {
      readableBytes += left;
    }
    long gpa = addr;
    while (left > 0) {
      GuestRegion r = mem.regionOf(gpa);
      if (r == null) {
        throw new InvalidChainException(headIndex, String.format(
            "buffer 0x%x+%d is not in guest memory", addr, Integer.toUnsignedLong(len)));
      }
      long offset = gpa - r.guestPhysAddr();
      long n = Math.min(left, r.size() - offset);
      addPiece(r.segment(), offset, n, write);
      gpa += n;
      left -= n;
    }
  }

  private void addPiece(MemorySegment seg, long offset, long length, boolean write) {
    if (pieceCount == pieceSeg.length) {
      int n = pieceCount * 2;
      pieceSeg = Arrays.copyOf(pieceSeg, n);
      pieceOff = Arrays.copyOf(pieceOff, n);
      pieceLen = Arrays.copyOf(pieceLen, n);
      pieceWrite = Arrays.copyOf(pieceWrite, n);
    }
    pieceSeg[pieceCount] = seg;
    pieceOff[pieceCount] = offset;
    pieceLen[pieceCount] = length;
    pieceWrite[pieceCount] = write;
    pieceCount++;
  }

  /** Called at the end of fill: rewinds the reader and writer over the new pieces. */
  void rewind() {
    reader.rewind(readableBytes);
    writer.rewind(writableBytes);
  }
}
