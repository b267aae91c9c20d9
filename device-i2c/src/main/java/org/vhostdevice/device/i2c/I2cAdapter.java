// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;

/**
 * One host adapter and how transfers reach it: as plain I2C messages (I2C_RDWR) when the adapter
 * can, else by turning the guest's messages back into the SMBus call that Linux's SMBus emulation
 * (i2c_smbus_xfer_emulated) would have made of them, up to word transfers.
 */
public final class I2cAdapter {
  public static final long I2C_FUNC_I2C = 0x0000_0001L;
  public static final long I2C_FUNC_SMBUS_READ_BYTE = 0x0002_0000L;
  public static final long I2C_FUNC_SMBUS_WRITE_BYTE = 0x0004_0000L;
  public static final long I2C_FUNC_SMBUS_READ_BYTE_DATA = 0x0008_0000L;
  public static final long I2C_FUNC_SMBUS_WRITE_BYTE_DATA = 0x0010_0000L;
  public static final long I2C_FUNC_SMBUS_READ_WORD_DATA = 0x0020_0000L;
  public static final long I2C_FUNC_SMBUS_WRITE_WORD_DATA = 0x0040_0000L;
  /** The SMBus transactions the emulation can produce (Rust's I2C_FUNC_SMBUS_ALL). */
  public static final long I2C_FUNC_SMBUS_ALL = I2C_FUNC_SMBUS_READ_BYTE
      | I2C_FUNC_SMBUS_WRITE_BYTE | I2C_FUNC_SMBUS_READ_BYTE_DATA
      | I2C_FUNC_SMBUS_WRITE_BYTE_DATA | I2C_FUNC_SMBUS_READ_WORD_DATA
      | I2C_FUNC_SMBUS_WRITE_WORD_DATA;

  private final I2cBus bus;
  private final boolean smbus;
  private final SmbusCall call = new SmbusCall();

  private I2cAdapter(I2cBus bus, boolean smbus) {
    this.bus = bus;
    this.smbus = smbus;
  }

  /** Asks the adapter what it can do and picks the transfer mode. */
  public static I2cAdapter of(I2cBus bus) throws IOException {
    long func = bus.functionality();
    if ((func & I2C_FUNC_I2C) != 0) {
      return new I2cAdapter(bus, false);
    }
    if ((func & I2C_FUNC_SMBUS_ALL) != 0) {
      return new I2cAdapter(bus, true);
    }
    throw new I2cException("Invalid Adapter function: " + Long.toHexString(func));
  }

  public I2cBus bus() {
    return bus;
  }

  public boolean isSmbus() {
    return smbus;
  }

  public void selectClient(int address) throws IOException {
    bus.selectClient(address);
  }

  /** Runs {@code messages} as one transfer; read data lands in the messages' data areas. */
  public void transfer(I2cMessages messages) throws IOException {
    if (smbus) {
      smbusTransfer(messages);
    } else {
      bus.transfer(messages);
    }
  }

  private void smbusTransfer(I2cMessages m) throws IOException {
    prepare(m, call);
    bus.smbus(call);
    if (call.readWrite() != SmbusCall.I2C_SMBUS_READ) {
      return;
    }
    switch (call.size()) {
      case SmbusCall.I2C_SMBUS_QUICK -> { }
      case SmbusCall.I2C_SMBUS_BYTE -> m.data(0).set(JAVA_BYTE, 0, (byte) call.dataByte());
      case SmbusCall.I2C_SMBUS_BYTE_DATA -> m.data(1).set(JAVA_BYTE, 0, (byte) call.dataByte());
      case SmbusCall.I2C_SMBUS_WORD_DATA -> {
        int word = call.dataWord();
        m.data(1).set(JAVA_BYTE, 0, (byte) word);
        m.data(1).set(JAVA_BYTE, 1, (byte) (word >> 8));
      }
      default -> throw new I2cException("Invalid SMBUS command: " + call.size());
    }
  }

  /**
   * The SMBus call that {@code m} stands for: one message is a quick command (length 0), a byte
   * (1), a byte-data write (2) or a word-data write (3); two messages are a one-byte command write
   * followed by a byte (1) or word (2) read. Anything else has no SMBus equivalent.
   */
  static void prepare(I2cMessages m, SmbusCall call) throws I2cException {
    int n = m.count();
    if (n == 1) {
      boolean read = m.isRead(0);
      int rw = read ? SmbusCall.I2C_SMBUS_READ : SmbusCall.I2C_SMBUS_WRITE;
      int len = m.length(0);
      switch (len) {
        case 0 -> call.set(rw, 0, SmbusCall.I2C_SMBUS_QUICK, false);
        // A byte read has no command; a byte write sends its byte as the command.
        case 1 -> call.set(rw, read ? 0 : byteAt(m, 0, 0), SmbusCall.I2C_SMBUS_BYTE, true);
        case 2, 3 -> {
          if (read) {
            throw new I2cException("Incorrect message length for read operation: " + len);
          }
          if (len == 2) {
            call.set(rw, byteAt(m, 0, 0), SmbusCall.I2C_SMBUS_BYTE_DATA, true);
            call.setDataByte(byteAt(m, 0, 1));
          } else {
            call.set(rw, byteAt(m, 0, 0), SmbusCall.I2C_SMBUS_WORD_DATA, true);
            call.setDataWord(byteAt(m, 0, 1) | byteAt(m, 0, 2) << 8);
          }
        }
        default -> throw new I2cException("Incorrect message length for "
            + (read ? "read" : "write") + " operation: " + len);
      }
      return;
    }
    if (n == 2 && !m.isRead(0) && m.isRead(1) && m.length(0) == 1 && m.length(1) >= 1
        && m.length(1) <= 2) {
      call.set(SmbusCall.I2C_SMBUS_READ, byteAt(m, 0, 0), m.length(1) == 1
          ? SmbusCall.I2C_SMBUS_BYTE_DATA : SmbusCall.I2C_SMBUS_WORD_DATA, true);
      return;
    }
    throw new I2cException("Invalid SMBus transfer, request-count: " + n + ", req[0].len: "
        + (n > 0 ? m.length(0) : 0) + ", req[1].len: " + (n > 1 ? m.length(1) : 0));
  }

  private static int byteAt(I2cMessages m, int msg, int i) {
    return m.data(msg).get(JAVA_BYTE, i) & 0xFF;
  }
}
