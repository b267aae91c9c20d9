// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.memory.GuestRegion;

/**
 * Fuzz target (b) of docs/reliability.md: the descriptor-chain walker and the Reader/Writer
 * cursors over arbitrary ring contents and memory maps. The fuzzer picks the regions (where they
 * sit, how big they are, what they hold), the ring size and addresses, the next-avail index and
 * a sequence of cursor operations. Only the documented exceptions may come out, and:
 *
 * <ul>
 *   <li>every descriptor of a popped chain lies in guest memory;
 *   <li>the reader yields exactly the bytes of the readable descriptors, in order;
 *   <li>the writer changes no byte outside the writable descriptors, and writes its bytes in
 *       order into them;
 *   <li>cursor positions add up (consumed + remaining = the direction's total).
 * </ul>
 *
 * Normal test runs replay the corpus in {@code RingFuzzTestInputs/}; {@code JAZZER_FUZZ=1}
 * fuzzes.
 */
class RingFuzzTest {
  private static final int MAX_REGION = 16 * 1024;
  private static final int MAX_POPS = 64;
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong CHAINS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("RingFuzzTest: %d inputs, %d chains popped%n", INPUTS.get(), CHAINS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void chainsAndCursors(FuzzedDataProvider data) throws Exception {
    INPUTS.incrementAndGet();
    try (Arena arena = Arena.ofConfined()) {
      List<GuestRegion> regions = regions(data, arena);
      GuestMemory mem;
      try {
        mem = GuestMemory.of(regions);
      } catch (IllegalArgumentException overlapping) {
        return;
      } finally {
        regions.forEach(GuestRegion::release);
      }
      try {
        run(data, mem);
      } finally {
        mem.release();
      }
    }
  }

  /** One or two regions: sizes, places (adjacent, apart, at the top of the space) and contents. */
  private static List<GuestRegion> regions(FuzzedDataProvider data, Arena arena) {
    List<GuestRegion> out = new ArrayList<>();
    int n = data.consumeInt(1, 2);
    long next = pickBase(data);
    for (int i = 0; i < n; i++) {
      int size = data.consumeInt(1, MAX_REGION);
      MemorySegment seg = arena.allocate(size, 16);
      byte[] fill = data.consumeBytes(size);
      MemorySegment.copy(fill, 0, seg, ValueLayout.JAVA_BYTE, 0, fill.length);
      long gpa = i == 0 ? next : switch (data.consumeInt(0, 2)) {
        case 0 -> next; // adjacent: buffers may span the boundary
        case 1 -> next + data.consumeInt(1, 1 << 20);
        default -> data.consumeLong();
      };
      if (Long.compareUnsigned(gpa + size, gpa) <= 0) {
        gpa = 0; // a region may not wrap 2^64
      }
      out.add(GuestRegion.ofSegment(gpa, gpa, seg, null));
      next = gpa + size;
    }
    return out;
  }

  private static long pickBase(FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 3)) {
      case 0 -> 0;
      case 1 -> 0x1000L * data.consumeInt(0, 1 << 20);
      case 2 -> -0x10_0000L; // near the top of the 64-bit space
      default -> data.consumeLong() & ~0xFL;
    };
  }

  private static void run(FuzzedDataProvider data, GuestMemory mem) throws Exception {
    GuestRegion first = mem.regions().getFirst();
    SplitQueue q = new SplitQueue(256);
    q.setSize(1 << data.consumeInt(0, 8));
    try {
      q.setAddresses(ringAddr(data, first), ringAddr(data, first), ringAddr(data, first));
    } catch (InvalidRingException misaligned) {
      return;
    }
    q.setNextAvail(data.consumeInt(0, 0xFFFF));
    q.setEventIdx(data.consumeBoolean());
    if (data.consumeBoolean()) {
      plausibleDriver(data, mem, q);
    }
    DescriptorChain chain = new DescriptorChain();
    try {
      q.disableNotification(mem);
      for (int i = 0; i < MAX_POPS; i++) {
        boolean popped;
        try {
          popped = q.pop(mem, chain);
        } catch (InvalidChainException e) {
          if (e.head() >= 0 && e.head() < q.size()) {
            q.addUsed(mem, e.head(), 0);
          }
          continue;
        }
        if (!popped) {
          break;
        }
        CHAINS.incrementAndGet();
        int written = exercise(data, mem, chain);
        q.addUsed(mem, chain.head(), written);
      }
      q.enableNotification(mem);
      q.publishUsed(mem);
    } catch (InvalidRingException ringIsBroken) {
      // the documented outcome of a ring outside memory or an index running ahead
    }
  }

  /**
   * Writes a plausible avail index, heads and descriptors over the fuzzed bytes, so that most
   * inputs get past the ring checks to the chain walker (values still come from the fuzzer).
   */
  private static void plausibleDriver(FuzzedDataProvider data, GuestMemory mem, SplitQueue q) {
    int size = q.size();
    GuestRegion r = mem.regions().get(data.consumeInt(0, mem.regionCount() - 1));
    try {
      MemorySegment avail = mem.slice(q.availRing(), AvailRing.byteSize(size));
      MemorySegment desc = mem.slice(q.descTable(), (long) VirtqDesc.SIZE * size);
      int pending = data.consumeInt(0, size);
      avail.set(GuestLayouts.U16, AvailRing.IDX, (short) (q.nextAvail() + pending));
      for (int i = 0; i < pending; i++) {
        avail.set(GuestLayouts.U16, AvailRing.RING + 2L * ((q.nextAvail() + i) & (size - 1)),
            (short) data.consumeInt(0, size));
      }
      int descs = data.consumeInt(0, Math.min(size, 8));
      for (int i = 0; i < descs; i++) {
        long off = (long) data.consumeInt(0, size - 1) * VirtqDesc.SIZE;
        desc.set(GuestLayouts.U64, off + VirtqDesc.ADDR,
            r.guestPhysAddr() + data.consumeLong(0, r.size()));
        desc.set(GuestLayouts.U32, off + VirtqDesc.LEN, data.consumeInt(0, 2 * MAX_REGION));
        desc.set(GuestLayouts.U16, off + VirtqDesc.FLAGS, (short) data.consumeInt(0, 7));
        desc.set(GuestLayouts.U16, off + VirtqDesc.NEXT, (short) data.consumeInt(0, size));
      }
    } catch (GuestMemoryException outside) {
      // the rings are not in memory: the queue will say so
    }
  }

  /** A ring address: usually inside the first region and aligned, sometimes anything at all. */
  private static long ringAddr(FuzzedDataProvider data, GuestRegion r) {
    if (data.consumeInt(0, 7) == 0) {
      return data.consumeLong();
    }
    return (r.guestPhysAddr() + data.consumeLong(0, r.size())) & ~0xFL;
  }

  /** Checks the chain's shape, then reads and writes it as the fuzzer says. Returns written. */
  private static int exercise(FuzzedDataProvider data, GuestMemory mem, DescriptorChain c)
      throws GuestMemoryException {
    assertTrue(c.descriptorCount() >= 1);
    assertTrue(c.readableBytes() + c.writableBytes() <= 0xFFFF_FFFFL, "total over 2^32-1");
    long readable = 0;
    long writable = 0;
    for (int i = 0; i < c.descriptorCount(); i++) {
      long len = Integer.toUnsignedLong(c.descriptorLen(i));
      mem.checkRange(c.descriptorAddr(i), len); // every buffer is backed
      if (c.descriptorWritable(i)) {
        writable += len;
      } else {
        readable += len;
      }
    }
    assertEquals(readable, c.readableBytes());
    assertEquals(writable, c.writableBytes());
    checkReads(data, mem, c);
    return checkWrites(data, mem, c);
  }

  private static byte[] gather(GuestMemory mem, DescriptorChain c, boolean writable, long cap)
      throws GuestMemoryException {
    long total = Math.min(cap, writable ? c.writableBytes() : c.readableBytes());
    byte[] out = new byte[(int) total];
    int at = 0;
    for (int i = 0; i < c.descriptorCount() && at < total; i++) {
      if (c.descriptorWritable(i) != writable) {
        continue;
      }
      int n = (int) Math.min(Integer.toUnsignedLong(c.descriptorLen(i)), total - at);
      mem.read(c.descriptorAddr(i), MemorySegment.ofArray(out).asSlice(at, n));
      at += n;
    }
    return out;
  }

  /** Reads with a fuzzer-chosen mix of widths; what comes out must be the readable stream. */
  private static void checkReads(FuzzedDataProvider data, GuestMemory mem, DescriptorChain c)
      throws GuestMemoryException {
    Reader r = c.reader();
    byte[] expected = gather(mem, c, false, 1 << 16);
    int ops = data.consumeInt(0, 16);
    for (int i = 0; i < ops; i++) {
      long before = r.bytesRead();
      int op = data.consumeInt(0, 6);
      try {
        switch (op) {
          case 0 -> checkValue(expected, before, 1, r.readU8());
          case 1 -> checkValue(expected, before, 2, r.readU16());
          case 2 -> checkValue(expected, before, 4, Integer.toUnsignedLong(r.readU32()));
          case 3 -> checkValue(expected, before, 8, r.readU64());
          case 4 -> {
            byte[] buf = new byte[data.consumeInt(0, 4096)];
            long n = r.read(MemorySegment.ofArray(buf));
            assertEquals(Math.min(buf.length, c.readableBytes() - before), n);
            checkBytes(expected, before, buf, (int) n);
          }
          case 5 -> r.skip(data.consumeLong(0, 1L << 33));
          default -> {
            MemorySegment p = r.currentPiece();
            assertTrue(p.byteSize() <= r.remaining());
            r.consume(Math.min(p.byteSize(), data.consumeInt(0, 64)));
          }
        }
      } catch (ChainTooShortException e) {
        assertEquals(before, r.bytesRead(), "a failed read must not move the cursor");
      }
      assertEquals(c.readableBytes(), r.bytesRead() + r.remaining());
    }
  }

  private static void checkValue(byte[] expected, long at, int width, long value) {
    if (at + width > expected.length) {
      return; // beyond what we gathered
    }
    long v = 0;
    for (int i = 0; i < width; i++) {
      v |= (expected[(int) at + i] & 0xFFL) << (8 * i);
    }
    assertEquals(v, value & (width == 8 ? -1L : (1L << (8 * width)) - 1), "value at " + at);
  }

  private static void checkBytes(byte[] expected, long at, byte[] got, int n) {
    for (int i = 0; i < n && at + i < expected.length; i++) {
      assertEquals(expected[(int) at + i], got[i], "byte at " + (at + i));
    }
  }

  /**
   * Writes a counting pattern with a fuzzer-chosen mix of widths. Afterwards no byte outside the
   * writable descriptors may have changed, and (unless writable buffers overlap) the writable
   * stream must start with the pattern. Returns the bytes written.
   */
  private static int checkWrites(FuzzedDataProvider data, GuestMemory mem, DescriptorChain c)
      throws GuestMemoryException {
    List<byte[]> before = snapshot(mem);
    Writer w = c.writer();
    byte[] pattern = new byte[1 << 16];
    for (int i = 0; i < pattern.length; i++) {
      pattern[i] = (byte) (i * 7 + 1);
    }
    int ops = data.consumeInt(0, 16);
    for (int i = 0; i < ops; i++) {
      long at = w.bytesWritten();
      int p = (int) Math.min(at, pattern.length - 8);
      try {
        switch (data.consumeInt(0, 5)) {
          case 0 -> w.writeU8(pattern[p]);
          case 1 -> w.writeU16(le(pattern, p, 2));
          case 2 -> w.writeU32(le(pattern, p, 4));
          case 3 -> w.writeU64(leLong(pattern, p));
          case 4 -> {
            int n = data.consumeInt(0, 4096);
            MemorySegment src = MemorySegment.ofArray(pattern).asSlice(p, Math.min(n, pattern.length - p));
            w.write(src);
          }
          default -> w.skip(data.consumeLong(0, 1L << 33));
        }
      } catch (ChainTooShortException e) {
        assertEquals(at, w.bytesWritten(), "a failed write must not move the cursor");
      }
      assertEquals(c.writableBytes(), w.bytesWritten() + w.remaining());
    }
    checkOnlyWritableChanged(mem, c, before);
    return (int) w.bytesWritten();
  }

  private static int le(byte[] b, int at, int width) {
    int v = 0;
    for (int i = 0; i < width; i++) {
      v |= (b[at + i] & 0xFF) << (8 * i);
    }
    return v;
  }

  private static long leLong(byte[] b, int at) {
    return (le(b, at, 4) & 0xFFFF_FFFFL) | ((long) le(b, at + 4, 4) << 32);
  }

  private static List<byte[]> snapshot(GuestMemory mem) {
    List<byte[]> out = new ArrayList<>();
    for (GuestRegion r : mem.regions()) {
      out.add(r.segment().toArray(ValueLayout.JAVA_BYTE));
    }
    return out;
  }

  private static void checkOnlyWritableChanged(
      GuestMemory mem, DescriptorChain c, List<byte[]> before) {
    List<GuestRegion> regions = mem.regions();
    for (int ri = 0; ri < regions.size(); ri++) {
      GuestRegion r = regions.get(ri);
      byte[] now = r.segment().toArray(ValueLayout.JAVA_BYTE);
      byte[] old = before.get(ri);
      for (int off = 0; off < now.length; off++) {
        if (now[off] != old[off]) {
          long gpa = r.guestPhysAddr() + off;
          assertTrue(inWritable(c, gpa), () -> String.format(
              "byte at gpa 0x%x changed outside every writable descriptor", gpa));
        }
      }
    }
  }

  private static boolean inWritable(DescriptorChain c, long gpa) {
    for (int i = 0; i < c.descriptorCount(); i++) {
      long len = Integer.toUnsignedLong(c.descriptorLen(i));
      if (c.descriptorWritable(i) && Long.compareUnsigned(gpa - c.descriptorAddr(i), len) < 0) {
        return true;
      }
    }
    return false;
  }
}
