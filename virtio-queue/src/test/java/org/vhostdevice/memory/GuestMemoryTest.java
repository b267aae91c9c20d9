// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Memfd;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

class GuestMemoryTest {
  private static GuestRegion mapped(OwnedFd fd, long gpa, long size, long offset)
      throws NativeException {
    return GuestRegion.map(gpa, size, 0x7f00_0000_0000L + gpa, offset, fd);
  }

  @Test
  void regionsFromAMemfdShareItsPages() throws Exception {
    try (OwnedFd fd = Memfd.create("t", 0x4000)) {
      GuestRegion a = mapped(fd, 0x1000, 0x2000, 0);
      GuestRegion b = mapped(fd, 0x10000, 0x1000, 0x1000); // same file, second page
      GuestMemory m = GuestMemory.of(List.of(b, a));
      a.release();
      b.release();
      m.slice(0x2000, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1122334455667788L);
      assertEquals(0x1122334455667788L, m.slice(0x10000, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
      assertEquals(0x1000, m.regions().get(0).guestPhysAddr(), "regions are sorted");
      m.release();
    }
  }

  @Test
  void unalignedMmapOffsetIsMappedFromItsPage() throws Exception {
    try (OwnedFd fd = Memfd.create("t", 0x3000)) {
      GuestRegion whole = mapped(fd, 0, 0x3000, 0);
      GuestRegion odd = mapped(fd, 0x10000, 0x100, 0x1010);
      GuestMemory m = GuestMemory.of(List.of(whole, odd));
      whole.release();
      odd.release();
      m.slice(0x1010, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
      assertEquals(42, m.slice(0x10000, 1).get(ValueLayout.JAVA_BYTE, 0));
      m.release();
    }
  }

  @Test
  void regionPastTheEndOfItsFileIsRefused() throws Exception {
    try (OwnedFd fd = Memfd.create("t", 0x1000)) {
      assertThrows(NativeException.class, () -> mapped(fd, 0, 0x2000, 0));
      assertThrows(NativeException.class, () -> mapped(fd, 0, 0x1000, 0x1000));
    }
  }

  @Test
  void overflowingAndEmptyRegionsAreRefused() throws Exception {
    try (OwnedFd fd = Memfd.create("t", 0x1000)) {
      assertThrows(IllegalArgumentException.class, () -> mapped(fd, -0x800, 0x1000, 0));
      assertThrows(IllegalArgumentException.class, () -> mapped(fd, 0, 0, 0));
    }
  }

  @Test
  void rangesAcrossAdjacentRegionsWorkAndHolesFail() throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment s0 = arena.allocate(0x1000, 4096);
      MemorySegment s1 = arena.allocate(0x1000, 4096);
      MemorySegment s2 = arena.allocate(0x1000, 4096);
      GuestMemory m = GuestMemory.of(List.of(
          GuestRegion.ofSegment(0x1000, 0xA000, s0, null),
          GuestRegion.ofSegment(0x2000, 0xB000, s1, null),
          GuestRegion.ofSegment(0x4000, 0xD000, s2, null)));
      m.checkRange(0x1F00, 0x200);
      byte[] data = new byte[0x200];
      java.util.Arrays.fill(data, (byte) 9);
      m.write(0x1F00, MemorySegment.ofArray(data));
      assertEquals(9, s1.get(ValueLayout.JAVA_BYTE, 0xFF));
      assertThrows(GuestMemoryException.class, () -> m.checkRange(0x2F00, 0x200), "hole at 0x3000");
      assertThrows(GuestMemoryException.class, () -> m.slice(0x1F00, 0x200), "slice is one region");
      assertThrows(GuestMemoryException.class, () -> m.checkRange(-1, 2), "wraps around");
      assertNull(m.regionOf(0x3000));
      assertEquals(0x2010, m.userToGuest(0xB010));
      assertThrows(GuestMemoryException.class, () -> m.userToGuest(0xC000));
      m.release();
    }
  }

  @Test
  void overlappingRegionsAreRefused() {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment s = arena.allocate(0x2000, 4096);
      assertThrows(IllegalArgumentException.class, () -> GuestMemory.of(List.of(
          GuestRegion.ofSegment(0x1000, 0, s, null),
          GuestRegion.ofSegment(0x2000, 0x10000, s, null))));
    }
  }

  @Test
  void addAndRemoveRegionsByExactMatch() {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment s = arena.allocate(0x1000, 4096);
      GuestRegion r = GuestRegion.ofSegment(0x1000, 0, s, null);
      GuestMemory empty = GuestMemory.empty();
      GuestMemory one = empty.with(r);
      assertSame(r, one.findExact(0x1000, 0x1000));
      assertNull(one.findExact(0x1000, 0x800));
      GuestMemory none = one.without(r);
      assertEquals(0, none.regionCount());
    }
  }

  @Test
  void aReplacedMapStaysMappedUntilItsLastHolderReleasesIt() throws Exception {
    try (OwnedFd fd = Memfd.create("t", 0x1000)) {
      GuestRegion r = mapped(fd, 0, 0x1000, 0);
      GuestMemoryHandle handle = new GuestMemoryHandle(GuestMemory.of(List.of(r)));
      r.release();
      GuestMemory held = handle.acquire(); // a worker's batch
      MemorySegment seg = held.slice(0, 8);
      handle.publish(GuestMemory.empty()); // SET_MEM_TABLE replaced it meanwhile
      seg.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1L); // still mapped
      assertTrue(seg.scope().isAlive());
      held.release();
      assertFalse(seg.scope().isAlive(), "unmapped once the last holder let go");
      assertEquals(0, handle.acquire().regionCount());
      handle.close();
      assertThrows(IllegalStateException.class, held::release, "double release is a bug");
    }
  }

  @Test
  void aRegionSharedByTwoMapsOutlivesTheFirst() throws Exception {
    try (OwnedFd fd = Memfd.create("t", 0x1000)) {
      GuestRegion r = mapped(fd, 0, 0x1000, 0);
      GuestMemory first = GuestMemory.of(List.of(r));
      r.release();
      GuestMemory second = first.with(GuestRegion.ofSegment(0x10000, 0x10000,
          Arena.global().allocate(0x1000), null));
      first.release();
      assertTrue(r.segment().scope().isAlive());
      second.release();
      assertFalse(r.segment().scope().isAlive());
    }
  }
}
