// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A host SPI device at the level of its character device: one {@code ioctl(fd, request, arg)}.
 * {@link LinuxSpidev} is the kernel's {@code /dev/spidevB.C}; {@link SimulatedSpidev} (the
 * {@code --simulate} test backend) and the tests' fake model the same ioctls, so everything above
 * this interface — probing, validation, building {@code struct spi_ioc_transfer} arrays — is the
 * code that runs against real hardware.
 */
public interface Spidev extends AutoCloseable {
  /**
   * Issues {@code request} with {@code arg} (the ioctl's argument memory: a u8 or u32 for the
   * mode/bits/speed calls, n × 32 bytes of transfers for SPI_IOC_MESSAGE(n)).
   *
   * @throws IOException naming the request when the device refuses it
   */
  void ioctl(long request, MemorySegment arg) throws IOException;

  @Override
  void close();

  /** Opens a spidev for one frontend connection. */
  @FunctionalInterface
  interface Opener {
    Spidev open() throws IOException;
  }
}
