// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;

/**
 * A host CAN frame as SocketCAN carries it ({@code <linux/can.h>}): the raw id word with the
 * EFF/RTR/ERR flag bits, the data length, the FD flags and up to 64 data bytes. Mutable and
 * reused: the receive path fills preallocated frames, so no frame is allocated per message.
 */
public final class CanFrame {
  public static final int CAN_EFF_FLAG = 0x8000_0000;
  public static final int CAN_RTR_FLAG = 0x4000_0000;
  public static final int CAN_ERR_FLAG = 0x2000_0000;
  public static final int CAN_SFF_MASK = 0x0000_07FF;
  public static final int CAN_EFF_MASK = 0x1FFF_FFFF;
  /** Error class bit of an error frame's id: the controller went bus-off. */
  public static final int CAN_ERR_BUSOFF = 0x0000_0040;

  // struct can_frame (CAN_MTU 16) and struct canfd_frame (CANFD_MTU 72)
  public static final int CAN_MTU = 16;
  public static final int CANFD_MTU = 72;
  static final int OFF_CAN_ID = 0;
  static final int OFF_LEN = 4;
  static final int OFF_FD_FLAGS = 5; // canfd_frame.flags; can_frame.__pad
  static final int OFF_LEN8_DLC = 7; // can_frame only
  static final int OFF_DATA = 8;
  public static final int CANFD_BRS = 0x01;
  public static final int CANFD_ESI = 0x02;
  /** canfd_frame.flags bit marking an FD frame (Linux 5.14+ sets it on every FD frame). */
  public static final int CANFD_FDF = 0x04;
  public static final int MAX_DATA = 64;

  public int canId;
  public int len;
  public boolean fd;
  public int fdFlags;
  public final byte[] data = new byte[MAX_DATA];
  /** {@link #data} as a segment, made once so copies to and from native memory allocate nothing. */
  private final MemorySegment dataSegment = MemorySegment.ofArray(data);

  public CanFrame set(int canId, boolean fd, byte... payload) {
    this.canId = canId;
    this.fd = fd;
    this.fdFlags = fd ? CANFD_FDF : 0;
    this.len = payload.length;
    System.arraycopy(payload, 0, data, 0, payload.length);
    java.util.Arrays.fill(data, payload.length, MAX_DATA, (byte) 0);
    return this;
  }

  public void copyFrom(CanFrame o) {
    canId = o.canId;
    len = o.len;
    fd = o.fd;
    fdFlags = o.fdFlags;
    System.arraycopy(o.data, 0, data, 0, MAX_DATA);
  }

  /**
   * Encodes into {@code buf} (CANFD_MTU bytes) as can_frame or canfd_frame; returns the number of
   * bytes to write.
   */
  int encode(MemorySegment buf) {
    buf.fill((byte) 0);
    buf.set(JAVA_INT, OFF_CAN_ID, canId);
    buf.set(JAVA_BYTE, OFF_LEN, (byte) len);
    if (fd) {
      buf.set(JAVA_BYTE, OFF_FD_FLAGS, (byte) (fdFlags | CANFD_FDF));
    }
    MemorySegment.copy(dataSegment, 0, buf, OFF_DATA, Math.min(len, MAX_DATA));
    return fd ? CANFD_MTU : CAN_MTU;
  }

  /** Decodes {@code n} bytes read from a CAN_RAW socket; false if n is neither MTU. */
  boolean decode(MemorySegment buf, long n) {
    if (n != CAN_MTU && n != CANFD_MTU) {
      return false;
    }
    fd = n == CANFD_MTU;
    canId = buf.get(JAVA_INT, OFF_CAN_ID);
    len = Math.min(Byte.toUnsignedInt(buf.get(JAVA_BYTE, OFF_LEN)), fd ? MAX_DATA : 8);
    fdFlags = fd ? Byte.toUnsignedInt(buf.get(JAVA_BYTE, OFF_FD_FLAGS)) : 0;
    MemorySegment.copy(buf, OFF_DATA, dataSegment, 0, fd ? MAX_DATA : 8);
    if (!fd) {
      java.util.Arrays.fill(data, 8, MAX_DATA, (byte) 0);
    }
    return true;
  }

  @Override
  public String toString() {
    return String.format("CanFrame[id=0x%08x len=%d fd=%s]", canId, len, fd);
  }
}
