// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;

/**
 * A spidev without hardware, for tests and demos ({@code --simulate}): it answers the same
 * ioctls as the kernel's spidev driver with the kernel's rules, and its bus has MOSI wired to
 * MISO, so the bytes a transfer sends come back as its received bytes (a transfer without TX
 * data clocks out zeros and receives zeros).
 *
 * <p>Kernel rules modelled: WR_MODE32 refuses bits outside the user mask and mode bits the
 * controller lacks (EINVAL) except the dual/quad/octal widths, which the SPI core silently
 * drops; WR_MAX_SPEED_HZ refuses 0; WR_BITS_PER_WORD checks the controller's word-size mask (none
 * = any); SPI_IOC_MESSAGE(n) needs a size that is a multiple of 32, does nothing for n = 0,
 * refuses more than {@code bufsiz} bytes in total (EMSGSIZE), word sizes the controller lacks
 * and dual/quad/octal transfers whose width is not in the current mode (EINVAL), and reads TX /
 * writes RX through the addresses in the transfers.
 */
public class SimulatedSpidev implements Spidev {
  static final int EMSGSIZE = 90;
  /** spidev's default {@code bufsiz} module parameter: the most bytes one message may move. */
  public static final int DEFAULT_BUFSIZ = 4096;

  /** What the simulated controller supports. {@code bitsPerWordMask} 0 = any word size. */
  public record Controller(int modeBits, int bitsPerWordMask, int maxSpeedHz, int bufsiz) {
    /** A capable controller: all mode bits, dual/quad widths, 8/16/32-bit words, 10 MHz. */
    public static Controller demo() {
      return new Controller(SpiIoc.SPI_CPHA | SpiIoc.SPI_CPOL | SpiIoc.SPI_CS_HIGH
          | SpiIoc.SPI_LSB_FIRST | SpiIoc.SPI_LOOP | SpiIoc.SPI_TX_DUAL | SpiIoc.SPI_TX_QUAD
          | SpiIoc.SPI_RX_DUAL | SpiIoc.SPI_RX_QUAD, (1 << 7) | (1 << 15) | (1 << 31),
          10_000_000, DEFAULT_BUFSIZ);
    }
  }

  private static final int WIDTH_BITS = SpiIoc.SPI_TX_DUAL | SpiIoc.SPI_TX_QUAD
      | SpiIoc.SPI_TX_OCTAL | SpiIoc.SPI_RX_DUAL | SpiIoc.SPI_RX_QUAD | SpiIoc.SPI_RX_OCTAL;

  private final Controller controller;
  private int mode;
  private int bitsPerWord = 8;
  private int speedHz;
  private boolean closed;

  public SimulatedSpidev(Controller controller) {
    this.controller = controller;
    this.speedHz = controller.maxSpeedHz();
  }

  public Controller controller() {
    return controller;
  }

  public synchronized int currentMode() {
    return mode;
  }

  @Override
  public synchronized void ioctl(long request, MemorySegment arg) throws NativeException {
    String name = "ioctl(" + SpiIoc.name(request) + ")";
    if (closed) {
      throw new NativeException(name, Errno.EBADF);
    }
    if (SpiIoc.type(request) != SpiIoc.SPI_IOC_MAGIC) {
      throw new NativeException(name, Errno.ENOTTY);
    }
    if (SpiIoc.nr(request) == SpiIoc.NR_MESSAGE && SpiIoc.dir(request) == SpiIoc.IOC_WRITE) {
      message(name, SpiIoc.size(request), arg);
      return;
    }
    int size = SpiIoc.size(request);
    if (arg.byteSize() < size) {
      throw new NativeException(name, Errno.EFAULT);
    }
    if (request == SpiIoc.SPI_IOC_RD_MODE32) {
      arg.set(JAVA_INT, 0, mode);
    } else if (request == SpiIoc.SPI_IOC_WR_MODE32) {
      setMode(name, arg.get(JAVA_INT, 0));
    } else if (request == SpiIoc.SPI_IOC_RD_BITS_PER_WORD) {
      arg.set(JAVA_BYTE, 0, (byte) bitsPerWord);
    } else if (request == SpiIoc.SPI_IOC_WR_BITS_PER_WORD) {
      int bits = Byte.toUnsignedInt(arg.get(JAVA_BYTE, 0));
      if (!wordSizeOk(bits)) {
        throw new NativeException(name, Errno.EINVAL);
      }
      bitsPerWord = bits == 0 ? 8 : bits;
    } else if (request == SpiIoc.SPI_IOC_RD_MAX_SPEED_HZ) {
      arg.set(JAVA_INT, 0, speedHz);
    } else if (request == SpiIoc.SPI_IOC_WR_MAX_SPEED_HZ) {
      int hz = arg.get(JAVA_INT, 0);
      if (hz == 0) {
        throw new NativeException(name, Errno.EINVAL);
      }
      speedHz = hz;
    } else {
      throw new NativeException(name, Errno.ENOTTY);
    }
  }

  private void setMode(String name, int wanted) throws NativeException {
    if ((wanted & ~SpiIoc.SPI_MODE_USER_MASK) != 0) {
      throw new NativeException(name, Errno.EINVAL);
    }
    int m = wanted & ~(WIDTH_BITS & ~controller.modeBits());
    int bad = m & ~controller.modeBits();
    if (bad != 0) {
      throw new NativeException(name, Errno.EINVAL);
    }
    if (Integer.bitCount(m & (SpiIoc.SPI_TX_DUAL | SpiIoc.SPI_TX_QUAD | SpiIoc.SPI_TX_OCTAL)) > 1
        || Integer.bitCount(m & (SpiIoc.SPI_RX_DUAL | SpiIoc.SPI_RX_QUAD | SpiIoc.SPI_RX_OCTAL))
            > 1) {
      throw new NativeException(name, Errno.EINVAL);
    }
    mode = m;
  }

  private boolean wordSizeOk(int bits) {
    int mask = controller.bitsPerWordMask();
    return mask == 0 || bits == 0 || (bits <= 32 && (mask & (1 << (bits - 1))) != 0);
  }

  private void message(String name, int size, MemorySegment arg) throws NativeException {
    if (size % SpiIoc.TRANSFER_SIZE != 0) {
      throw new NativeException(name, Errno.EINVAL);
    }
    int n = size / SpiIoc.TRANSFER_SIZE;
    if (arg.byteSize() < size) {
      throw new NativeException(name, Errno.EFAULT);
    }
    long total = 0;
    for (int i = 0; i < n; i++) {
      long base = (long) i * SpiIoc.TRANSFER_SIZE;
      total += Integer.toUnsignedLong(arg.get(JAVA_INT, base + SpiIoc.XFER_LEN));
      int tx = Byte.toUnsignedInt(arg.get(JAVA_BYTE, base + SpiIoc.XFER_TX_NBITS));
      int rx = Byte.toUnsignedInt(arg.get(JAVA_BYTE, base + SpiIoc.XFER_RX_NBITS));
      int bits = Byte.toUnsignedInt(arg.get(JAVA_BYTE, base + SpiIoc.XFER_BITS_PER_WORD));
      boolean hasTx = arg.get(JAVA_LONG, base + SpiIoc.XFER_TX_BUF) != 0;
      boolean hasRx = arg.get(JAVA_LONG, base + SpiIoc.XFER_RX_BUF) != 0;
      if ((hasTx && !widthOk(tx, true)) || (hasRx && !widthOk(rx, false)) || !wordSizeOk(bits)) {
        throw new NativeException(name, Errno.EINVAL);
      }
    }
    if (total > controller.bufsiz()) {
      throw new NativeException(name, EMSGSIZE);
    }
    for (int i = 0; i < n; i++) {
      long base = (long) i * SpiIoc.TRANSFER_SIZE;
      long txBuf = arg.get(JAVA_LONG, base + SpiIoc.XFER_TX_BUF);
      long rxBuf = arg.get(JAVA_LONG, base + SpiIoc.XFER_RX_BUF);
      long len = Integer.toUnsignedLong(arg.get(JAVA_INT, base + SpiIoc.XFER_LEN));
      if (rxBuf == 0 || len == 0) {
        continue;
      }
      MemorySegment rx = MemorySegment.ofAddress(rxBuf).reinterpret(len);
      if (txBuf == 0) {
        rx.fill((byte) 0);
      } else {
        MemorySegment.copy(MemorySegment.ofAddress(txBuf).reinterpret(len), 0, rx, 0, len);
      }
    }
  }

  /** The SPI core's check: a dual/quad/octal transfer needs that width in the device's mode. */
  private boolean widthOk(int nbits, boolean tx) {
    int dual = tx ? SpiIoc.SPI_TX_DUAL : SpiIoc.SPI_RX_DUAL;
    int quad = tx ? SpiIoc.SPI_TX_QUAD : SpiIoc.SPI_RX_QUAD;
    int octal = tx ? SpiIoc.SPI_TX_OCTAL : SpiIoc.SPI_RX_OCTAL;
    return switch (nbits) {
      case 0, 1 -> true;
      case 2 -> (mode & (dual | quad | octal)) != 0;
      case 4 -> (mode & (quad | octal)) != 0;
      case 8 -> (mode & octal) != 0;
      default -> false;
    };
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
