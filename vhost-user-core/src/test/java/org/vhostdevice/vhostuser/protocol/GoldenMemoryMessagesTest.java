// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.OwnedFd;

/** Wire bytes of the memory messages, written by hand from core.md §1.8. */
class GoldenMemoryMessagesTest {
  private static final int REQUEST = 0x1;
  private static final int NEED_REPLY = 0x9;

  /** 1 GiB at guest address 0, mapped by the frontend at 0x7f1234560000. */
  private static final MemoryRegionDescriptor LOW =
      new MemoryRegionDescriptor(0, 0x4000_0000L, 0x7f12_3456_0000L, 0);
  private static final String LOW_HEX =
      "0000000000000000 0000004000000000 00005634127f0000 0000000000000000";
  /** 512 MiB at 4 GiB, 1 GiB into its fd. */
  private static final MemoryRegionDescriptor HIGH =
      new MemoryRegionDescriptor(0x1_0000_0000L, 0x2000_0000L, 0x7f12_7456_0000L, 0x4000_0000L);
  private static final String HIGH_HEX =
      "0000000001000000 0000002000000000 00005674127f0000 0000004000000000";

  private GoldenWire golden;

  @BeforeEach
  void open() throws IOException {
    golden = new GoldenWire();
  }

  @AfterEach
  void close() {
    golden.close();
  }

  @Test
  void setMemTableWithOneRegion() throws IOException {
    MemoryTable t = new MemoryTable(List.of(LOW));
    try (OwnedFd fd = TestFds.fresh()) {
      golden.assertRequest("05000000 09000000 28000000 01000000 00000000 " + LOW_HEX,
          FrontendRequest.SET_MEM_TABLE, NEED_REPLY, t, t.encode(), MemoryTable::decode,
          fd.fd());
    }
  }

  @Test
  void setMemTableWithTwoRegions() throws IOException {
    MemoryTable t = new MemoryTable(List.of(LOW, HIGH));
    try (OwnedFd a = TestFds.fresh(); OwnedFd b = TestFds.fresh()) {
      golden.assertRequest(
          "05000000 09000000 48000000 02000000 00000000 " + LOW_HEX + " " + HIGH_HEX,
          FrontendRequest.SET_MEM_TABLE, NEED_REPLY, t, t.encode(), MemoryTable::decode,
          a.fd(), b.fd());
    }
  }

  @Test
  void setLogBase() throws IOException {
    LogDescription d = new LogDescription(0x2_0000, 0x1000);
    try (OwnedFd fd = TestFds.fresh()) {
      golden.assertRequest("06000000 01000000 10000000 0000020000000000 0010000000000000",
          FrontendRequest.SET_LOG_BASE, REQUEST, d, d.encode(), LogDescription::decode,
          fd.fd());
    }
  }

  @Test
  void setLogBaseReply() throws IOException {
    LogDescription d = new LogDescription(0x2_0000, 0x1000);
    golden.assertReply("06000000 05000000 10000000 0000020000000000 0010000000000000",
        FrontendRequest.SET_LOG_BASE, d, d.encode(), LogDescription::decode);
  }

  @Test
  void getMaxMemSlots() throws IOException {
    golden.assertEmptyRequest(
        "24000000 01000000 00000000", FrontendRequest.GET_MAX_MEM_SLOTS, REQUEST);
  }

  @Test
  void getMaxMemSlotsReply() throws IOException {
    golden.assertReply("24000000 05000000 08000000 fd01000000000000",
        FrontendRequest.GET_MAX_MEM_SLOTS, 509L, Payloads.encodeU64(509), Payloads::decodeU64);
  }

  @Test
  void addMemReg() throws IOException {
    SingleMemoryRegion r = new SingleMemoryRegion(HIGH);
    try (OwnedFd fd = TestFds.fresh()) {
      golden.assertRequest("25000000 09000000 28000000 0000000000000000 " + HIGH_HEX,
          FrontendRequest.ADD_MEM_REG, NEED_REPLY, r, r.encode(), SingleMemoryRegion::decode,
          fd.fd());
    }
  }

  @Test
  void remMemReg() throws IOException {
    SingleMemoryRegion r = new SingleMemoryRegion(HIGH);
    golden.assertRequest("26000000 09000000 28000000 0000000000000000 " + HIGH_HEX,
        FrontendRequest.REM_MEM_REG, NEED_REPLY, r, r.encode(), SingleMemoryRegion::decode);
  }
}
