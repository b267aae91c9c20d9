// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;

/**
 * The real ioctl backend on an ordinary file: every i2c-dev ioctl reaches the kernel and fails
 * with ENOTTY, named after the call (the Rust PhysDevice tests do the same).
 */
class LinuxI2cBusTest {
  @TempDir Path dir;

  private LinuxI2cBus openFile() throws Exception {
    return LinuxI2cBus.open(7, Files.writeString(dir.resolve("i2c-7"), "").toString());
  }

  private static void assertEnotty(String call, NativeException e) {
    assertEquals(call, e.call());
    assertEquals(Errno.ENOTTY, e.errno());
  }

  @Test
  void funcsIoctlFails() throws Exception {
    try (LinuxI2cBus bus = openFile()) {
      assertEnotty("ioctl(I2C_FUNCS)", assertThrows(NativeException.class, bus::functionality));
    }
  }

  @Test
  void slaveIoctlFails() throws Exception {
    try (LinuxI2cBus bus = openFile()) {
      assertEnotty("ioctl(I2C_SLAVE)",
          assertThrows(NativeException.class, () -> bus.selectClient(0x20)));
    }
  }

  @Test
  void rdwrIoctlFails() throws Exception {
    try (LinuxI2cBus bus = openFile()) {
      I2cMessages m = new I2cMessages(2);
      m.add(0x20, 0, 1);
      assertEnotty("ioctl(I2C_RDWR)", assertThrows(NativeException.class, () -> bus.transfer(m)));
    }
  }

  @Test
  void smbusIoctlFails() throws Exception {
    try (LinuxI2cBus bus = openFile()) {
      SmbusCall c = new SmbusCall();
      c.set(SmbusCall.I2C_SMBUS_READ, 0, SmbusCall.I2C_SMBUS_BYTE, true);
      assertEnotty("ioctl(I2C_SMBUS)", assertThrows(NativeException.class, () -> bus.smbus(c)));
    }
  }

  @Test
  void aMissingAdapterFailsToOpenWithItsPath() {
    String msg = assertThrows(I2cException.class, () -> LinuxI2cBus.open(55555)).getMessage();
    assertTrue(msg.startsWith("Failed to open adapter at /dev/i2c-55555"), msg);
  }

  @Test
  void aDirectoryFailsToOpen() {
    assertThrows(I2cException.class, () -> LinuxI2cBus.open(0, dir.toString()));
  }

  @Test
  void messagesLongerThanSixteenBitsAreRefusedBeforeTheIoctl() {
    I2cMessages m = new I2cMessages(2);
    assertThrows(I2cException.class, () -> m.add(0x20, 0, 65536));
  }
}
