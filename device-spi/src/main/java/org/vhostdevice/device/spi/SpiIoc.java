// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

/**
 * The spidev user API of {@code <linux/spi/spidev.h>} and {@code <linux/spi/spi.h>}: ioctl request
 * numbers, the layout of {@code struct spi_ioc_transfer}, and the Linux SPI mode bits.
 */
public final class SpiIoc {
  /** The spidev ioctl "type" (magic) byte. */
  static final int SPI_IOC_MAGIC = 'k';
  static final int IOC_WRITE = 1;
  static final int IOC_READ = 2;
  static final int IOC_NRSHIFT = 0;
  static final int IOC_TYPESHIFT = 8;
  static final int IOC_SIZESHIFT = 16;
  static final int IOC_DIRSHIFT = 30;
  static final int IOC_SIZEBITS = 14;

  static final int NR_MESSAGE = 0;
  static final int NR_BITS_PER_WORD = 3;
  static final int NR_MAX_SPEED_HZ = 4;
  static final int NR_MODE32 = 5;

  public static final long SPI_IOC_RD_BITS_PER_WORD = ioc(IOC_READ, NR_BITS_PER_WORD, 1);
  public static final long SPI_IOC_WR_BITS_PER_WORD = ioc(IOC_WRITE, NR_BITS_PER_WORD, 1);
  public static final long SPI_IOC_RD_MAX_SPEED_HZ = ioc(IOC_READ, NR_MAX_SPEED_HZ, 4);
  public static final long SPI_IOC_WR_MAX_SPEED_HZ = ioc(IOC_WRITE, NR_MAX_SPEED_HZ, 4);
  public static final long SPI_IOC_RD_MODE32 = ioc(IOC_READ, NR_MODE32, 4);
  public static final long SPI_IOC_WR_MODE32 = ioc(IOC_WRITE, NR_MODE32, 4);

  // struct spi_ioc_transfer (32 bytes, the same on every ABI)
  public static final int TRANSFER_SIZE = 32;
  public static final int XFER_TX_BUF = 0;
  public static final int XFER_RX_BUF = 8;
  public static final int XFER_LEN = 16;
  public static final int XFER_SPEED_HZ = 20;
  public static final int XFER_DELAY_USECS = 24;
  public static final int XFER_BITS_PER_WORD = 26;
  public static final int XFER_CS_CHANGE = 27;
  public static final int XFER_TX_NBITS = 28;
  public static final int XFER_RX_NBITS = 29;
  public static final int XFER_WORD_DELAY_USECS = 30;
  public static final int XFER_PAD = 31;

  /**
   * The most transfers one SPI_IOC_MESSAGE can carry: the ioctl's 14-bit size field must hold
   * n * 32. Beyond that the kernel macro encodes size 0 and spidev silently transfers nothing.
   */
  public static final int MAX_TRANSFERS_PER_MESSAGE = ((1 << IOC_SIZEBITS) - 1) / TRANSFER_SIZE;

  // Linux SPI mode bits (spi->mode, SPI_IOC_*_MODE32)
  public static final int SPI_CPHA = 0x1;
  public static final int SPI_CPOL = 0x2;
  public static final int SPI_CS_HIGH = 0x4;
  public static final int SPI_LSB_FIRST = 0x8;
  public static final int SPI_3WIRE = 0x10;
  public static final int SPI_LOOP = 0x20;
  public static final int SPI_NO_CS = 0x40;
  public static final int SPI_READY = 0x80;
  public static final int SPI_TX_DUAL = 0x100;
  public static final int SPI_TX_QUAD = 0x200;
  public static final int SPI_RX_DUAL = 0x400;
  public static final int SPI_RX_QUAD = 0x800;
  public static final int SPI_CS_WORD = 0x1000;
  public static final int SPI_TX_OCTAL = 0x2000;
  public static final int SPI_RX_OCTAL = 0x4000;
  public static final int SPI_3WIRE_HIZ = 0x8000;
  /** Every bit spidev's WR_MODE32 accepts (SPI_MODE_USER_MASK); others are EINVAL. */
  public static final int SPI_MODE_USER_MASK = 0xFFFF;
  /** The bits a request's mode field may change; all others keep the spidev's setting. */
  public static final int REQUEST_MODE_BITS = SPI_CPHA | SPI_CPOL | SPI_CS_HIGH | SPI_LSB_FIRST
      | SPI_LOOP;

  private SpiIoc() {}

  static long ioc(int dir, int nr, int size) {
    return ((long) dir << IOC_DIRSHIFT | (long) size << IOC_SIZESHIFT
        | (long) SPI_IOC_MAGIC << IOC_TYPESHIFT | (long) nr << IOC_NRSHIFT) & 0xFFFF_FFFFL;
  }

  /** SPI_IOC_MESSAGE(n): the size field is 0 when n transfers do not fit it (as in the C macro). */
  public static long message(int n) {
    int size = n * TRANSFER_SIZE < (1 << IOC_SIZEBITS) ? n * TRANSFER_SIZE : 0;
    return ioc(IOC_WRITE, NR_MESSAGE, size);
  }

  /** The C name of {@code request}, for error messages. */
  public static String name(long request) {
    if (request == SPI_IOC_RD_BITS_PER_WORD) {
      return "SPI_IOC_RD_BITS_PER_WORD";
    } else if (request == SPI_IOC_WR_BITS_PER_WORD) {
      return "SPI_IOC_WR_BITS_PER_WORD";
    } else if (request == SPI_IOC_RD_MAX_SPEED_HZ) {
      return "SPI_IOC_RD_MAX_SPEED_HZ";
    } else if (request == SPI_IOC_WR_MAX_SPEED_HZ) {
      return "SPI_IOC_WR_MAX_SPEED_HZ";
    } else if (request == SPI_IOC_RD_MODE32) {
      return "SPI_IOC_RD_MODE32";
    } else if (request == SPI_IOC_WR_MODE32) {
      return "SPI_IOC_WR_MODE32";
    } else if (type(request) == SPI_IOC_MAGIC && nr(request) == NR_MESSAGE) {
      return "SPI_IOC_MESSAGE(" + size(request) / TRANSFER_SIZE + ")";
    }
    return "ioctl 0x" + Long.toHexString(request);
  }

  static int dir(long request) {
    return (int) (request >>> IOC_DIRSHIFT) & 0x3;
  }

  static int size(long request) {
    return (int) (request >>> IOC_SIZESHIFT) & ((1 << IOC_SIZEBITS) - 1);
  }

  static int type(long request) {
    return (int) (request >>> IOC_TYPESHIFT) & 0xFF;
  }

  static int nr(long request) {
    return (int) (request >>> IOC_NRSHIFT) & 0xFF;
  }
}
