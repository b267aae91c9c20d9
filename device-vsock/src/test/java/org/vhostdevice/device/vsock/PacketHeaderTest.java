// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** struct virtio_vsock_hdr: 44 little-endian bytes at the spec's offsets. */
class PacketHeaderTest {
  private static byte[] wire() {
    return ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(3).putLong(2).putInt(1025).putInt(5000).putInt(0xFFFF_FFF0)
        .putShort((short) 1).putShort((short) 5).putInt(3).putInt(262144).putInt(77).array();
  }

  @Test
  void fieldsAreReadAtTheirOffsetsLittleEndian() {
    PacketHeader h = new PacketHeader();
    MemorySegment.copy(wire(), 0, h.bytes, JAVA_BYTE, 0, 44);
    assertEquals(3, h.srcCid());
    assertEquals(2, h.dstCid());
    assertEquals(1025, h.srcPort());
    assertEquals(5000, h.dstPort());
    assertEquals(0xFFFF_FFF0L, h.len(), "len is unsigned");
    assertEquals(PacketHeader.TYPE_STREAM, h.type());
    assertEquals(PacketHeader.OP_RW, h.op());
    assertEquals(PacketHeader.SHUTDOWN_BOTH, h.flags());
    assertEquals(262144, h.bufAlloc());
    assertEquals(77, h.fwdCnt());
  }

  @Test
  void aBuiltHeaderHasTheWireLayout() {
    PacketHeader h = new PacketHeader();
    h.clear();
    h.src(3, 1025).dst(2, 5000).len(0xFFFF_FFF0).type(PacketHeader.TYPE_STREAM)
        .op(PacketHeader.OP_RW).flags(3).credit(262144, 77);
    assertArrayEquals(wire(), h.bytes.toArray(JAVA_BYTE));
  }

  @Test
  void clearZeroesEveryField() {
    PacketHeader h = new PacketHeader();
    MemorySegment.copy(wire(), 0, h.bytes, JAVA_BYTE, 0, 44);
    h.clear();
    assertArrayEquals(new byte[44], h.bytes.toArray(JAVA_BYTE));
  }

  @Test
  void theHeaderIs44Bytes() {
    assertEquals(44, PacketHeader.SIZE);
    assertEquals(44, new PacketHeader().bytes.byteSize());
  }
}
