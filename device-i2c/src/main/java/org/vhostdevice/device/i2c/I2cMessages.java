// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The messages of one transfer, kept in native memory in the layout of the kernel's {@code struct
 * i2c_msg} array, so that I2C_RDWR takes them as they are. Reused transfer after transfer: the
 * arrays and the data area only grow, so a warm device allocates nothing per request.
 */
public final class I2cMessages {
  /** {@code struct i2c_msg} on 64-bit Linux: u16 addr, u16 flags, u16 len, (pad), u8 *buf. */
  static final long MSG_SIZE = 16;
  static final long MSG_ADDR = 0;
  static final long MSG_FLAGS = 2;
  static final long MSG_LEN = 4;
  static final long MSG_BUF = 8;
  /** i2c_msg.flags: the message reads from the client. */
  public static final int I2C_M_RD = 0x0001;
  /** The length field of i2c_msg is a u16. */
  public static final int MAX_MESSAGE_LENGTH = 0xFFFF;
  /** What one transfer may move in total: real transfers are tiny, a hostile guest is not. */
  public static final int MAX_TRANSFER_BYTES = 1 << 20;

  private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;

  private final Arena arena = Arena.ofAuto();
  private final int capacity;
  private final MemorySegment msgs;
  private MemorySegment data;
  private final int[] addr;
  private final int[] flags;
  private final int[] len;
  private final int[] offset;
  /** data(i) views, reused while message i keeps its place, so a warm device allocates nothing. */
  private final MemorySegment[] views;
  private int count;
  private int used;

  public I2cMessages(int capacity) {
    this.capacity = capacity;
    this.msgs = arena.allocate(MSG_SIZE * capacity, 8);
    this.data = arena.allocate(4096, 8);
    this.addr = new int[capacity];
    this.flags = new int[capacity];
    this.len = new int[capacity];
    this.offset = new int[capacity];
    this.views = new MemorySegment[capacity];
  }

  public void clear() {
    count = 0;
    used = 0;
  }

  public int count() {
    return count;
  }

  /**
   * Appends a message and returns its index; its data area is zeroed. Throws if the transfer
   * would exceed {@link #MAX_TRANSFER_BYTES} or the message limit.
   */
  public int add(int address, int messageFlags, int length) throws I2cException {
    if (count == capacity) {
      throw new I2cException("too many messages in one transfer: " + (capacity + 1));
    }
    if (length < 0 || length > MAX_MESSAGE_LENGTH) {
      throw new I2cException("message length " + Integer.toUnsignedLong(length)
          + " does not fit the 16-bit i2c_msg length");
    }
    if ((long) used + length > MAX_TRANSFER_BYTES) {
      throw new I2cException("transfer larger than " + MAX_TRANSFER_BYTES + " bytes");
    }
    if (used + length > data.byteSize()) {
      MemorySegment bigger = arena.allocate(Math.max(data.byteSize() * 2, used + length), 8);
      bigger.copyFrom(data.asSlice(0, used));
      data = bigger;
    }
    int i = count++;
    addr[i] = address;
    flags[i] = messageFlags;
    len[i] = length;
    offset[i] = used;
    used += length;
    data(i).fill((byte) 0);
    return i;
  }

  public int address(int i) {
    return addr[check(i)];
  }

  public int flags(int i) {
    return flags[check(i)];
  }

  public boolean isRead(int i) {
    return (flags[check(i)] & I2C_M_RD) != 0;
  }

  public int length(int i) {
    return len[check(i)];
  }

  /** Message {@code i}'s data: what is written to the client, or where a read lands. */
  public MemorySegment data(int i) {
    MemorySegment v = views[check(i)];
    if (v == null || v.address() != data.address() + offset[i] || v.byteSize() != len[i]) {
      v = data.asSlice(offset[i], len[i]);
      views[i] = v;
    }
    return v;
  }

  /** The {@code struct i2c_msg[count]} array, pointing into the data area, for I2C_RDWR. */
  MemorySegment nativeArray() {
    for (int i = 0; i < count; i++) {
      long m = i * MSG_SIZE;
      msgs.set(U16, m + MSG_ADDR, (short) addr[i]);
      msgs.set(U16, m + MSG_FLAGS, (short) flags[i]);
      msgs.set(U16, m + MSG_LEN, (short) len[i]);
      msgs.set(ValueLayout.JAVA_LONG_UNALIGNED, m + MSG_BUF, data.address() + offset[i]);
    }
    return msgs;
  }

  private int check(int i) {
    return java.util.Objects.checkIndex(i, count);
  }
}
