// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One SMBus call in the kernel's layout: {@code struct i2c_smbus_ioctl_data} and the 34-byte
 * {@code union i2c_smbus_data} it points to. Reused call after call.
 */
public final class SmbusCall {
  public static final int I2C_SMBUS_READ = 1;
  public static final int I2C_SMBUS_WRITE = 0;
  public static final int I2C_SMBUS_QUICK = 0;
  public static final int I2C_SMBUS_BYTE = 1;
  public static final int I2C_SMBUS_BYTE_DATA = 2;
  public static final int I2C_SMBUS_WORD_DATA = 3;

  /** struct i2c_smbus_ioctl_data: u8 read_write, u8 command, u32 size @4, data pointer @8. */
  static final long ARGS_SIZE = 16;
  static final long ARG_READ_WRITE = 0;
  static final long ARG_COMMAND = 1;
  static final long ARG_SIZE = 4;
  static final long ARG_DATA = 8;
  /** union i2c_smbus_data: byte, word or block[I2C_SMBUS_BLOCK_MAX + 2]. */
  static final long DATA_SIZE = 34;

  private final Arena arena = Arena.ofAuto();
  private final MemorySegment args = arena.allocate(ARGS_SIZE, 8);
  private final MemorySegment data = arena.allocate(DATA_SIZE, 8);
  private int readWrite;
  private int command;
  private int size;
  private boolean hasData;

  /** Sets up a call; the data union is zeroed, and passed only if {@code withData}. */
  public void set(int readWriteFlag, int commandByte, int transactionSize, boolean withData) {
    readWrite = readWriteFlag;
    command = commandByte & 0xFF;
    size = transactionSize;
    hasData = withData;
    data.fill((byte) 0);
  }

  public int readWrite() {
    return readWrite;
  }

  public int command() {
    return command;
  }

  public int size() {
    return size;
  }

  public boolean hasData() {
    return hasData;
  }

  public int dataByte() {
    return data.get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
  }

  public void setDataByte(int value) {
    data.set(ValueLayout.JAVA_BYTE, 0, (byte) value);
  }

  /** The union's word view: little-endian on every Linux target this runs on. */
  public int dataWord() {
    return data.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) & 0xFFFF;
  }

  public void setDataWord(int value) {
    data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) value);
  }

  /** The ioctl argument, pointing at the data union (or NULL for a call without data). */
  MemorySegment nativeArgs() {
    args.set(ValueLayout.JAVA_BYTE, ARG_READ_WRITE, (byte) readWrite);
    args.set(ValueLayout.JAVA_BYTE, ARG_COMMAND, (byte) command);
    args.set(ValueLayout.JAVA_INT_UNALIGNED, ARG_SIZE, size);
    args.set(ValueLayout.JAVA_LONG_UNALIGNED, ARG_DATA, hasData ? data.address() : 0L);
    return args;
  }
}
