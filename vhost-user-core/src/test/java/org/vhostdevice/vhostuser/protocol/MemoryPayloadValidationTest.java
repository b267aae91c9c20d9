// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vhostdevice.vhostuser.protocol.Rejections.assertRejected;
import static org.vhostdevice.vhostuser.protocol.Rejections.withU32;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** The memory table and single-region checks of core.md §1.8. */
class MemoryPayloadValidationTest {
  private static final MemoryRegionDescriptor REGION =
      new MemoryRegionDescriptor(0x1_0000_0000L, 0x1000_0000L, 0x7f00_0000_0000L, 0x2000);

  private static byte[] table(MemoryRegionDescriptor... regions) {
    return new MemoryTable(List.of(regions)).encode();
  }

  @Test
  void rejectsFewerFdsThanRegions() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE, table(REGION, REGION), 1);
  }

  @Test
  void rejectsMoreFdsThanRegions() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE, table(REGION), 2);
  }

  @Test
  void rejectsNonZeroPadding() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE,
        withU32(table(REGION), MemoryTable.PADDING_OFFSET, 1), 1);
  }

  @Test
  void rejectsZeroRegions() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE, table(), 0);
  }

  @Test
  void rejectsMoreThan32Regions() throws NativeException {
    MemoryRegionDescriptor[] regions = new MemoryRegionDescriptor[33];
    Arrays.fill(regions, REGION);
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE, table(regions), 33);
  }

  @Test
  void accepts32Regions() throws Exception {
    List<MemoryRegionDescriptor> regions = new ArrayList<>();
    for (int i = 0; i < MemoryTable.MAX_REGIONS; i++) {
      regions.add(new MemoryRegionDescriptor(i * 0x1000_0000L, 0x1000_0000L, 0, 0));
    }
    byte[] bytes = new MemoryTable(regions).encode();
    try (Message m = new Message(FrontendRequest.SET_MEM_TABLE.code(), 1, bytes,
        TestFds.fresh(MemoryTable.MAX_REGIONS))) {
      assertEquals(regions, MemoryTable.decode(m).regions());
    }
  }

  @Test
  void rejectsSizeThatDisagreesWithTheRegionCount() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE,
        withU32(table(REGION), MemoryTable.NREGIONS_OFFSET, 2), 2);
  }

  @Test
  void rejectsTruncatedTable() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE, new byte[4], 0);
  }

  @Test
  void rejectsZeroSizeRegion() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE,
        table(new MemoryRegionDescriptor(0, 0, 0x7f00_0000_0000L, 0)), 1);
  }

  /** The end address 2^64 itself does not fit in a u64, so Rust's checked add fails too. */
  @Test
  void rejectsRegionEndingAtTwoToThe64() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE,
        table(new MemoryRegionDescriptor(-0x1000L, 0x1000, 0, 0)), 1);
  }

  @Test
  void rejectsGuestAddressOverflow() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE,
        table(new MemoryRegionDescriptor(-0x1000L, 0x2000, 0, 0)), 1);
  }

  @Test
  void rejectsUserAddressOverflow() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE,
        table(new MemoryRegionDescriptor(0, 0x2000, -0x1000L, 0)), 1);
  }

  @Test
  void rejectsMmapOffsetOverflow() throws NativeException {
    assertRejected(MemoryTable::decode, FrontendRequest.SET_MEM_TABLE,
        table(new MemoryRegionDescriptor(0, 0x2000, 0, -0x1000L)), 1);
  }

  @Test
  void acceptsRegionEndingJustBelowTwoToThe64() throws Exception {
    MemoryRegionDescriptor top = new MemoryRegionDescriptor(-0x2000L, 0x1000, 0, 0);
    try (Message m = new Message(FrontendRequest.SET_MEM_TABLE.code(), 1, table(top),
        TestFds.fresh(1))) {
      assertEquals(List.of(top), MemoryTable.decode(m).regions());
    }
  }

  @Test
  void rejectsAddMemRegWithoutFd() throws NativeException {
    assertRejected(SingleMemoryRegion::decode, FrontendRequest.ADD_MEM_REG,
        new SingleMemoryRegion(REGION).encode(), 0);
  }

  @Test
  void rejectsAddMemRegWithZeroSize() throws NativeException {
    assertRejected(SingleMemoryRegion::decode, FrontendRequest.ADD_MEM_REG,
        new SingleMemoryRegion(new MemoryRegionDescriptor(0, 0, 0, 0)).encode(), 1);
  }

  @Test
  void rejectsRemMemRegWithOverflow() throws NativeException {
    assertRejected(SingleMemoryRegion::decode, FrontendRequest.REM_MEM_REG,
        new SingleMemoryRegion(new MemoryRegionDescriptor(-1L, 2, 0, 0)).encode(), 0);
  }
}
