// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.io.IOException;

/**
 * The host side of one I2C adapter: what the daemon asks of {@code /dev/i2c-N}. {@link
 * LinuxI2cBus} does it with the kernel's i2c-dev ioctls; {@link SimulatedI2cBus} answers from
 * memory (the {@code --simulate} option), and the tests program fakes behind the same interface.
 */
public interface I2cBus extends AutoCloseable {
  /** The adapter number N of {@code /dev/i2c-N} (a simulated bus makes one up). */
  int busNumber();

  /** The adapter's I2C_FUNC_* bits (ioctl I2C_FUNCS). */
  long functionality() throws IOException;

  /** Addresses the following transfers to the 7-bit client {@code address} (ioctl I2C_SLAVE). */
  void selectClient(int address) throws IOException;

  /** One combined transfer of every message in {@code messages} (ioctl I2C_RDWR). */
  void transfer(I2cMessages messages) throws IOException;

  /** One SMBus call to the selected client (ioctl I2C_SMBUS). */
  void smbus(SmbusCall call) throws IOException;

  @Override
  void close();
}
