// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** Transfer modes and the SMBus emulation, against a programmable fake adapter. */
class I2cAdapterTest {
  private final I2cMessages m = new I2cMessages(8);

  private int add(int addr, boolean read, int... bytes) throws Exception {
    int i = m.add(addr, read ? I2cMessages.I2C_M_RD : 0, bytes.length);
    for (int k = 0; k < bytes.length; k++) {
      m.data(i).set(ValueLayout.JAVA_BYTE, k, (byte) bytes[k]);
    }
    return i;
  }

  private static I2cAdapter smbusAdapter(ProgrammableBus bus) throws Exception {
    bus.funcs = I2cAdapter.I2C_FUNC_SMBUS_ALL;
    return I2cAdapter.of(bus);
  }

  private static String error(I2cAdapter a, I2cMessages msgs) {
    return assertThrows(I2cException.class, () -> a.transfer(msgs)).getMessage();
  }

  @Test
  void plainI2cWhenTheAdapterHasIt() throws Exception {
    ProgrammableBus bus = new ProgrammableBus(1);
    bus.funcs = I2cAdapter.I2C_FUNC_I2C | I2cAdapter.I2C_FUNC_SMBUS_ALL;
    assertFalse(I2cAdapter.of(bus).isSmbus());
  }

  @Test
  void smbusWhenTheAdapterHasOnlySmbus() throws Exception {
    ProgrammableBus bus = new ProgrammableBus(1);
    bus.funcs = I2cAdapter.I2C_FUNC_SMBUS_READ_BYTE_DATA;
    assertTrue(I2cAdapter.of(bus).isSmbus());
  }

  @Test
  void neitherIsRefused() {
    ProgrammableBus bus = new ProgrammableBus(1);
    bus.funcs = 0;
    assertEquals("Invalid Adapter function: 0",
        assertThrows(I2cException.class, () -> I2cAdapter.of(bus)).getMessage());
  }

  @Test
  void aFailingFuncsIoctlFailsTheAdapter() {
    ProgrammableBus bus = new ProgrammableBus(1);
    bus.funcsFailure = new NativeException("ioctl(I2C_FUNCS)", 25);
    assertThrows(NativeException.class, () -> I2cAdapter.of(bus));
  }

  @Test
  void i2cModePassesEveryMessageInOneTransfer() throws Exception {
    ProgrammableBus bus = new ProgrammableBus(1);
    I2cAdapter a = I2cAdapter.of(bus);
    add(0x20, false, 1, 2, 3);
    int r = add(0x20, true, 0, 0, 0, 0);
    add(0x20, false, 1, 2);
    a.transfer(m);
    assertEquals(1, bus.transfers);
    assertArrayEquals(new byte[] {1, 2, 3, 4}, m.data(r).toArray(ValueLayout.JAVA_BYTE));
    assertArrayEquals(new byte[] {1, 2, 3}, bus.written.get(0));
    assertArrayEquals(new byte[] {1, 2}, bus.written.get(1));
  }

  @Test
  void smbusDataUnionByteAndWordViews() {
    SmbusCall c = new SmbusCall();
    c.set(SmbusCall.I2C_SMBUS_READ, 0, SmbusCall.I2C_SMBUS_WORD_DATA, true);
    c.setDataWord(0x0201);
    assertEquals(1, c.dataByte());
    assertEquals(0x0201, c.dataWord());
    c.setDataByte(0x55);
    assertEquals(0x0255, c.dataWord());
  }

  @Test
  void smbusQuickWriteAndRead() throws Exception {
    ProgrammableBus bus = new ProgrammableBus(1);
    I2cAdapter a = smbusAdapter(bus);
    add(0x20, false);
    a.transfer(m);
    m.clear();
    add(0x20, true);
    a.transfer(m);
    assertEquals(java.util.List.of("0/0/0/0", "1/0/0/0"), bus.smbusCalls);
  }

  @Test
  void smbusByteWriteSendsTheByteAsCommand() throws Exception {
    ProgrammableBus bus = new ProgrammableBus(1);
    I2cAdapter a = smbusAdapter(bus);
    add(0x20, false, 0x42);
    a.transfer(m);
    assertEquals("0/66/1/0", bus.smbusCalls.get(0));
  }

  @Test
  void smbusByteReadReturnsTheByte() throws Exception {
    I2cAdapter a = smbusAdapter(new ProgrammableBus(1));
    int r = add(0x20, true, 0);
    a.transfer(m);
    assertEquals(1, m.data(r).get(ValueLayout.JAVA_BYTE, 0));
  }

  @Test
  void smbusByteDataAndWordDataWrites() throws Exception {
    ProgrammableBus bus = new ProgrammableBus(1);
    I2cAdapter a = smbusAdapter(bus);
    add(0x20, false, 7, 0x11);
    a.transfer(m);
    m.clear();
    add(0x20, false, 8, 0x22, 0x33);
    a.transfer(m);
    assertEquals("0/7/2/17", bus.smbusCalls.get(0));
    assertEquals("0/8/3/" + 0x3322, bus.smbusCalls.get(1));
  }

  @Test
  void smbusByteDataRead() throws Exception {
    ProgrammableBus bus = new ProgrammableBus(1);
    I2cAdapter a = smbusAdapter(bus);
    add(0x20, false, 9);
    int r = add(0x20, true, 0);
    a.transfer(m);
    assertEquals("1/9/2/0", bus.smbusCalls.get(0));
    assertEquals(1, m.data(r).get(ValueLayout.JAVA_BYTE, 0));
  }

  @Test
  void smbusWordDataReadIsLittleEndian() throws Exception {
    I2cAdapter a = smbusAdapter(new ProgrammableBus(1));
    add(0x20, false, 9);
    int r = add(0x20, true, 0, 0);
    a.transfer(m);
    assertArrayEquals(new byte[] {1, 2}, m.data(r).toArray(ValueLayout.JAVA_BYTE));
  }

  @Test
  void smbusReadsOfTwoOrThreeBytesAloneAreRefused() throws Exception {
    I2cAdapter a = smbusAdapter(new ProgrammableBus(1));
    add(0x20, true, 0, 0);
    assertEquals("Incorrect message length for read operation: 2", error(a, m));
    m.clear();
    add(0x20, true, 0, 0, 0);
    assertEquals("Incorrect message length for read operation: 3", error(a, m));
  }

  @Test
  void smbusWritesLongerThanAWordAreRefused() throws Exception {
    I2cAdapter a = smbusAdapter(new ProgrammableBus(1));
    add(0x20, false, 1, 2, 3, 4);
    assertEquals("Incorrect message length for write operation: 4", error(a, m));
  }

  @Test
  void smbusTwoMessageShapesOtherThanCommandThenReadAreRefused() throws Exception {
    I2cAdapter a = smbusAdapter(new ProgrammableBus(1));
    add(0x20, true, 0);
    add(0x20, true, 0, 0);
    assertEquals("Invalid SMBus transfer, request-count: 2, req[0].len: 1, req[1].len: 2",
        error(a, m));
    m.clear();
    add(0x20, false, 1);
    add(0x20, false, 1, 2);
    assertEquals("Invalid SMBus transfer, request-count: 2, req[0].len: 1, req[1].len: 2",
        error(a, m));
    m.clear();
    add(0x20, false, 1, 2);
    add(0x20, true, 0, 0);
    assertEquals("Invalid SMBus transfer, request-count: 2, req[0].len: 2, req[1].len: 2",
        error(a, m));
    m.clear();
    add(0x20, false, 1);
    add(0x20, true, 0, 0, 0);
    assertEquals("Invalid SMBus transfer, request-count: 2, req[0].len: 1, req[1].len: 3",
        error(a, m));
  }

  @Test
  void smbusThreeMessagesAreRefused() throws Exception {
    I2cAdapter a = smbusAdapter(new ProgrammableBus(1));
    add(0x20, false, 1);
    add(0x20, true, 0, 0);
    add(0x20, true, 0, 0);
    assertEquals("Invalid SMBus transfer, request-count: 3, req[0].len: 1, req[1].len: 2",
        error(a, m));
  }

  @Test
  void aFailingSmbusIoctlFailsTheTransfer() throws Exception {
    ProgrammableBus bus = new ProgrammableBus(1);
    I2cAdapter a = smbusAdapter(bus);
    bus.smbusFailure = new NativeException("ioctl(I2C_SMBUS)", 5);
    add(0x20, false, 1);
    assertThrows(NativeException.class, () -> a.transfer(m));
  }
}
