// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** struct can_frame / canfd_frame as the socket carries them. */
class CanFrameTest {
  @Test
  void aClassicFrameIs16BytesWithLenAt4AndDataAt8() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(CanFrame.CANFD_MTU);
      int n = FakeCanBus.frame(0x123, false, (byte) 1, (byte) 2, (byte) 3).encode(buf);
      assertEquals(16, n);
      assertEquals(0x123, buf.get(JAVA_INT, 0));
      assertEquals(3, buf.get(JAVA_BYTE, 4));
      assertEquals(0, buf.get(JAVA_BYTE, 5));
      assertArrayEquals(new byte[] {1, 2, 3, 0}, buf.asSlice(8, 4).toArray(JAVA_BYTE));
    }
  }

  @Test
  void anFdFrameIs72BytesAndMarkedFdf() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(CanFrame.CANFD_MTU);
      byte[] data = new byte[12];
      Arrays.fill(data, (byte) 7);
      assertEquals(72, FakeCanBus.frame(0x1, true, data).encode(buf));
      assertEquals(CanFrame.CANFD_FDF, buf.get(JAVA_BYTE, 5));
      assertEquals(12, buf.get(JAVA_BYTE, 4));
    }
  }

  @Test
  void decodingTellsFdFromTheSizeRead() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(CanFrame.CANFD_MTU);
      FakeCanBus.frame(CanFrame.CAN_EFF_FLAG | 99, true, new byte[16]).encode(buf);
      CanFrame f = new CanFrame();
      assertTrue(f.decode(buf, 72));
      assertTrue(f.fd);
      assertEquals(16, f.len);
      assertEquals(CanFrame.CAN_EFF_FLAG | 99, f.canId);
      assertTrue(f.decode(buf, 16));
      assertFalse(f.fd);
      assertEquals(8, f.len, "a classic frame carries at most 8 bytes");
      assertFalse(f.decode(buf, 20));
    }
  }
}
