// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The typed spidev calls (mode, bits per word, speed, message) over a {@link Spidev}, through one
 * small argument buffer allocated once, so a transfer allocates nothing. Not thread-safe: one
 * per device instance.
 */
final class SpidevOps implements AutoCloseable {
  private final Spidev dev;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment u32 = arena.allocate(JAVA_INT);
  private final MemorySegment u8 = u32.asSlice(0, 1);

  SpidevOps(Spidev dev) {
    this.dev = dev;
  }

  Spidev device() {
    return dev;
  }

  int mode() throws IOException {
    u32.set(JAVA_INT, 0, 0);
    dev.ioctl(SpiIoc.SPI_IOC_RD_MODE32, u32);
    return u32.get(JAVA_INT, 0);
  }

  void setMode(int mode) throws IOException {
    u32.set(JAVA_INT, 0, mode);
    dev.ioctl(SpiIoc.SPI_IOC_WR_MODE32, u32);
  }

  int bitsPerWord() throws IOException {
    u8.set(JAVA_BYTE, 0, (byte) 0);
    dev.ioctl(SpiIoc.SPI_IOC_RD_BITS_PER_WORD, u8);
    return Byte.toUnsignedInt(u8.get(JAVA_BYTE, 0));
  }

  void setBitsPerWord(int bits) throws IOException {
    u8.set(JAVA_BYTE, 0, (byte) bits);
    dev.ioctl(SpiIoc.SPI_IOC_WR_BITS_PER_WORD, u8);
  }

  /** The speed in Hz as an unsigned u32 in a long. */
  long maxSpeedHz() throws IOException {
    u32.set(JAVA_INT, 0, 0);
    dev.ioctl(SpiIoc.SPI_IOC_RD_MAX_SPEED_HZ, u32);
    return Integer.toUnsignedLong(u32.get(JAVA_INT, 0));
  }

  void setMaxSpeedHz(long hz) throws IOException {
    u32.set(JAVA_INT, 0, (int) hz);
    dev.ioctl(SpiIoc.SPI_IOC_WR_MAX_SPEED_HZ, u32);
  }

  /**
   * SPI_IOC_MESSAGE(n) over the first {@code n} transfers of {@code transfers} (the ioctl number
   * carries n; the segment may be longer).
   */
  void message(MemorySegment transfers, int n) throws IOException {
    dev.ioctl(SpiIoc.message(n), transfers);
  }

  @Override
  public void close() {
    dev.close();
    arena.close();
  }
}
