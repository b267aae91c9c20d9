// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake adapter with programmable answers (the Rust tests' DummyDevice): read buffers are
 * filled with 1, 2, 3...; write buffers are recorded; SMBus reads return the word 0x0201.
 */
final class ProgrammableBus implements I2cBus {
  long funcs = I2cAdapter.I2C_FUNC_I2C;
  IOException funcsFailure;
  IOException transferFailure;
  IOException smbusFailure;
  IOException slaveFailure;
  final int bus;
  final List<Integer> selected = new ArrayList<>();
  final List<byte[]> written = new ArrayList<>();
  final List<String> smbusCalls = new ArrayList<>();
  int transfers;
  boolean closed;

  ProgrammableBus(int bus) {
    this.bus = bus;
  }

  @Override
  public int busNumber() {
    return bus;
  }

  @Override
  public long functionality() throws IOException {
    if (funcsFailure != null) {
      throw funcsFailure;
    }
    return funcs;
  }

  @Override
  public void selectClient(int address) throws IOException {
    if (slaveFailure != null) {
      throw slaveFailure;
    }
    selected.add(address);
  }

  @Override
  public void transfer(I2cMessages m) throws IOException {
    if (transferFailure != null) {
      throw transferFailure;
    }
    transfers++;
    for (int i = 0; i < m.count(); i++) {
      var data = m.data(i);
      if (m.isRead(i)) {
        for (int k = 0; k < m.length(i); k++) {
          data.set(ValueLayout.JAVA_BYTE, k, (byte) (k + 1));
        }
      } else {
        written.add(data.toArray(ValueLayout.JAVA_BYTE));
      }
    }
  }

  @Override
  public void smbus(SmbusCall call) throws IOException {
    if (smbusFailure != null) {
      throw smbusFailure;
    }
    smbusCalls.add(call.readWrite() + "/" + call.command() + "/" + call.size() + "/"
        + call.dataWord());
    if (call.readWrite() == SmbusCall.I2C_SMBUS_READ) {
      call.setDataWord(0x0201);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
