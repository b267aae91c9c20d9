// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** The --simulate adapter: register files behind plain I2C and SMBus. */
class SimulatedI2cBusTest {
  private final SimulatedI2cBus bus = new SimulatedI2cBus(0, List.of(0x20));
  private final I2cMessages m = new I2cMessages(4);

  @Test
  void registersStartOutHoldingTheirIndex() {
    assertEquals(0x10, bus.register(0x20, 0x10));
  }

  @Test
  void writeThenCombinedReadGoesThroughTheRegisterPointer() throws Exception {
    int w = m.add(0x20, 0, 3);
    m.data(w).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x40);
    m.data(w).set(ValueLayout.JAVA_BYTE, 1, (byte) 0xAA);
    m.data(w).set(ValueLayout.JAVA_BYTE, 2, (byte) 0xBB);
    bus.transfer(m);
    m.clear();
    int p = m.add(0x20, 0, 1);
    m.data(p).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x40);
    int r = m.add(0x20, I2cMessages.I2C_M_RD, 3);
    bus.transfer(m);
    assertEquals(0xAA, m.data(r).get(ValueLayout.JAVA_BYTE, 0) & 0xFF);
    assertEquals(0xBB, m.data(r).get(ValueLayout.JAVA_BYTE, 1) & 0xFF);
    assertEquals(0x42, m.data(r).get(ValueLayout.JAVA_BYTE, 2) & 0xFF);
  }

  @Test
  void smbusByteDataAndWordData() throws Exception {
    SmbusCall c = new SmbusCall();
    bus.selectClient(0x20);
    c.set(SmbusCall.I2C_SMBUS_WRITE, 5, SmbusCall.I2C_SMBUS_BYTE_DATA, true);
    c.setDataByte(0x99);
    bus.smbus(c);
    c.set(SmbusCall.I2C_SMBUS_READ, 5, SmbusCall.I2C_SMBUS_BYTE_DATA, true);
    bus.smbus(c);
    assertEquals(0x99, c.dataByte());
    c.set(SmbusCall.I2C_SMBUS_READ, 5, SmbusCall.I2C_SMBUS_WORD_DATA, true);
    bus.smbus(c);
    assertEquals(0x0699, c.dataWord());
  }

  @Test
  void anAddressWithoutClientIsNotAnswered() {
    m.clear();
    assertThrows(NativeException.class, () -> {
      m.add(0x21, 0, 1);
      bus.transfer(m);
    });
  }
}
