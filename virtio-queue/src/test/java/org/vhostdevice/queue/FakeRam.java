// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;

/** Off-heap fake guest RAM: regions at chosen guest-physical addresses (aligned like mmap). */
final class FakeRam implements AutoCloseable {
  final Arena arena = Arena.ofShared();
  final GuestMemory memory;
  final List<MemorySegment> segments = new ArrayList<>();
  final long[] bases;

  /** {@code layout} holds pairs: guest-physical base, size. */
  FakeRam(long... layout) {
    List<GuestRegion> regions = new ArrayList<>();
    bases = new long[layout.length / 2];
    for (int i = 0; i < layout.length; i += 2) {
      MemorySegment seg = arena.allocate(layout[i + 1], 4096);
      segments.add(seg);
      bases[i / 2] = layout[i];
      regions.add(GuestRegion.ofSegment(layout[i], seg.address(), seg, null));
    }
    memory = GuestMemory.of(regions);
    regions.forEach(GuestRegion::release);
  }

  /** The bytes at {@code gpa} (which must be in a region). */
  MemorySegment at(long gpa, long length) {
    try {
      return memory.slice(gpa, length);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    memory.release();
    arena.close();
  }
}
