// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Mman;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;

class GuestRamTest {
  @Test
  void describesEachRegionWithItsLocalAddress() throws Exception {
    try (GuestRam ram = GuestRam.create(List.of(
        new long[] {0x10_0000, 0x4000}, new long[] {0x10_4000, 0x2000}))) {
      List<MemoryRegionDescriptor> d = ram.descriptors();
      assertEquals(2, d.size());
      assertEquals(0x10_0000, d.get(0).guestPhysAddr());
      assertEquals(0x4000, d.get(0).memorySize());
      assertEquals(0x10_4000, d.get(1).guestPhysAddr());
      assertEquals(0, d.get(1).mmapOffset());
      assertEquals(ram.memory().slice(0x10_4000, 1).address(), d.get(1).userAddr());
      assertEquals(2, ram.fds().length);
    }
  }

  @Test
  void translatesGuestAddressesToOurMapping() throws Exception {
    try (GuestRam ram = GuestRam.create(List.of(
        new long[] {0x10_0000, 0x4000}, new long[] {0x80_0000, 0x2000}))) {
      long base1 = ram.descriptors().get(1).userAddr();
      assertEquals(base1 + 0x123, ram.userAddr(0x80_0123));
      assertEquals(ram.descriptors().get(0).userAddr() + 0x3fff, ram.userAddr(0x10_3fff));
      assertThrows(IllegalArgumentException.class, () -> ram.userAddr(0x10_4000));
      assertThrows(IllegalArgumentException.class, () -> ram.userAddr(0));
    }
  }

  @Test
  void allocatesAlignedAndMovesToTheNextRegionWhenFull() throws Exception {
    try (GuestRam ram = GuestRam.create(List.of(
        new long[] {0x1000, 0x1000}, new long[] {0x8000, 0x1000}))) {
      assertEquals(0x1000, ram.alloc(3, 1));
      assertEquals(0x1010, ram.alloc(0x100, 16));
      assertEquals(0x8000, ram.alloc(0x1000, 8));
      assertThrows(IllegalStateException.class, () -> ram.alloc(1, 1));
    }
  }

  @Test
  void theMemfdBacksTheGuestView() throws Exception {
    try (GuestRam ram = GuestRam.create(List.of(new long[] {0x20_0000, 0x1000, 0x3000}));
        Arena arena = Arena.ofConfined()) {
      MemoryRegionDescriptor d = ram.descriptors().get(0);
      assertEquals(0x3000, d.mmapOffset());
      ram.memory().write(0x20_0010, MemorySegment.ofArray(new byte[] {1, 2, 3}));
      // What a backend sees when it maps the fd at the announced offset.
      MemorySegment backend = Mman.mapShared(ram.fds()[0], d.mmapOffset(), d.memorySize(), arena);
      assertArrayEquals(new byte[] {1, 2, 3},
          backend.asSlice(0x10, 3).toArray(ValueLayout.JAVA_BYTE));
    }
  }

  @Test
  void overlappingRegionsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> GuestRam.create(List.of(
        new long[] {0x1000, 0x2000}, new long[] {0x2000, 0x1000})));
  }
}
