// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.vhostdevice.sys.NativeException;

/**
 * An adapter held in memory, for testing and demos ({@code --simulate}): each listed client is a
 * 256-register device in the manner of the kernel's i2c-stub. A write's first byte sets the
 * register pointer and further bytes are stored from there; a read returns registers from the
 * pointer; the pointer auto-increments and wraps. Register r starts out holding the value r.
 * The adapter speaks plain I2C and every SMBus transaction up to words; a message to an address
 * with no client fails like an unanswered address on a real bus (ENXIO).
 */
public final class SimulatedI2cBus implements I2cBus {
  static final int ENXIO = 6;
  static final int REGISTERS = 256;

  private final int bus;
  private final byte[][] registers = new byte[I2cMap.MAX_CLIENTS][];
  private final int[] pointer = new int[I2cMap.MAX_CLIENTS];
  private int selected = -1;

  public SimulatedI2cBus(int bus, List<Integer> clients) {
    this.bus = bus;
    for (int address : clients) {
      byte[] r = new byte[REGISTERS];
      for (int i = 0; i < REGISTERS; i++) {
        r[i] = (byte) i;
      }
      registers[address] = r;
    }
  }

  @Override
  public int busNumber() {
    return bus;
  }

  @Override
  public long functionality() {
    return I2cAdapter.I2C_FUNC_I2C | I2cAdapter.I2C_FUNC_SMBUS_ALL | 0x0001_0000L /* QUICK */;
  }

  @Override
  public synchronized void selectClient(int address) {
    selected = address;
  }

  /** Register {@code reg} of client {@code address} (for tests and the demo's checks). */
  public synchronized int register(int address, int reg) {
    return registers[address][reg] & 0xFF;
  }

  private byte[] client(int address, String call) throws NativeException {
    byte[] r = address >= 0 && address < I2cMap.MAX_CLIENTS ? registers[address] : null;
    if (r == null) {
      throw new NativeException(call, ENXIO);
    }
    return r;
  }

  @Override
  public synchronized void transfer(I2cMessages m) throws NativeException {
    for (int i = 0; i < m.count(); i++) {
      int address = m.address(i);
      byte[] r = client(address, "ioctl(I2C_RDWR)");
      MemorySegment data = m.data(i);
      int len = m.length(i);
      if (m.isRead(i)) {
        for (int k = 0; k < len; k++) {
          data.set(ValueLayout.JAVA_BYTE, k, r[pointer[address]]);
          pointer[address] = (pointer[address] + 1) % REGISTERS;
        }
      } else if (len > 0) {
        pointer[address] = data.get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
        for (int k = 1; k < len; k++) {
          r[pointer[address]] = data.get(ValueLayout.JAVA_BYTE, k);
          pointer[address] = (pointer[address] + 1) % REGISTERS;
        }
      }
    }
  }

  @Override
  public synchronized void smbus(SmbusCall call) throws NativeException {
    byte[] r = client(selected, "ioctl(I2C_SMBUS)");
    boolean read = call.readWrite() == SmbusCall.I2C_SMBUS_READ;
    int cmd = call.command();
    switch (call.size()) {
      case SmbusCall.I2C_SMBUS_QUICK -> { }
      case SmbusCall.I2C_SMBUS_BYTE -> {
        if (read) {
          call.setDataByte(r[pointer[selected]]);
          pointer[selected] = (pointer[selected] + 1) % REGISTERS;
        } else {
          pointer[selected] = cmd;
        }
      }
      case SmbusCall.I2C_SMBUS_BYTE_DATA -> {
        if (read) {
          call.setDataByte(r[cmd]);
        } else {
          r[cmd] = (byte) call.dataByte();
        }
        pointer[selected] = (cmd + 1) % REGISTERS;
      }
      case SmbusCall.I2C_SMBUS_WORD_DATA -> {
        int next = (cmd + 1) % REGISTERS;
        if (read) {
          call.setDataWord((r[cmd] & 0xFF) | (r[next] & 0xFF) << 8);
        } else {
          r[cmd] = (byte) call.dataWord();
          r[next] = (byte) (call.dataWord() >> 8);
        }
        pointer[selected] = (cmd + 2) % REGISTERS;
      }
      default -> throw new NativeException("ioctl(I2C_SMBUS)", org.vhostdevice.sys.Errno.EINVAL);
    }
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "simulated i2c-" + bus;
  }
}
