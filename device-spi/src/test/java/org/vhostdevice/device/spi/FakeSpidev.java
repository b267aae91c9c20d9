// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vhostdevice.sys.NativeException;

/**
 * The tests' spidev: the kernel rules of {@link SimulatedSpidev}, plus a record of every ioctl
 * (each SPI_IOC_MESSAGE decoded into its transfers, with the TX bytes), refusals on demand, and
 * Rust's DummyDevice RX pattern (0, 1, 2, ...) instead of the loopback. It checks what no valid
 * transfer may carry: a non-zero pad byte, a length of 0, no buffer at all, a size field that
 * needs more bytes than the argument has.
 */
final class FakeSpidev extends SimulatedSpidev {
  record Transfer(boolean hasTx, boolean hasRx, int len, int speedHz, int delayUsecs,
      int bitsPerWord, int csChange, int txNbits, int rxNbits, int wordDelayUsecs, byte[] tx,
      int modeDuring) {}

  final List<Long> requests = new ArrayList<>();
  final List<List<Transfer>> messages = new ArrayList<>();
  private final Map<Long, Integer> failures = new HashMap<>();
  boolean patternRx = true;
  int opens;
  boolean closedOnce;

  FakeSpidev(Controller controller) {
    super(controller);
  }

  /** The config of Rust's DummyDevice: mode funcs 0xf, any word size, 10 kHz, no widths. */
  static final VirtioSpiConfig DUMMY_CONFIG = VirtioSpiConfig.of(0, 0, 0, 0xf, 10_000);

  /** A controller that can do what {@link #DUMMY_CONFIG} promises (CPHA and CPOL both ways). */
  static FakeSpidev dummy() {
    return new FakeSpidev(new Controller(SpiIoc.SPI_CPHA | SpiIoc.SPI_CPOL, 0, 10_000, 1 << 20));
  }

  /** Makes every later {@code request} fail with {@code errno}. */
  void fail(long request, int errno) {
    failures.put(request, errno);
  }

  /** Makes every later SPI_IOC_MESSAGE fail with {@code errno}. */
  void failMessages(int errno) {
    failures.put(-1L, errno);
  }

  Spidev.Opener opener() {
    return () -> {
      opens++;
      return this;
    };
  }

  boolean isMessage(long request) {
    return SpiIoc.type(request) == SpiIoc.SPI_IOC_MAGIC && SpiIoc.nr(request) == SpiIoc.NR_MESSAGE;
  }

  @Override
  public synchronized void ioctl(long request, MemorySegment arg) throws NativeException {
    requests.add(request);
    Integer errno = failures.get(isMessage(request) ? -1L : request);
    if (errno != null) {
      throw new NativeException("ioctl(" + SpiIoc.name(request) + ")", errno);
    }
    if (!isMessage(request)) {
      super.ioctl(request, arg);
      return;
    }
    int n = SpiIoc.size(request) / SpiIoc.TRANSFER_SIZE;
    if (arg.byteSize() < (long) n * SpiIoc.TRANSFER_SIZE) {
      throw new AssertionError("SPI_IOC_MESSAGE(" + n + ") with " + arg.byteSize() + " bytes");
    }
    List<Transfer> decoded = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long b = (long) i * SpiIoc.TRANSFER_SIZE;
      long txBuf = arg.get(JAVA_LONG, b + SpiIoc.XFER_TX_BUF);
      long rxBuf = arg.get(JAVA_LONG, b + SpiIoc.XFER_RX_BUF);
      int len = arg.get(JAVA_INT, b + SpiIoc.XFER_LEN);
      if (arg.get(JAVA_BYTE, b + SpiIoc.XFER_PAD) != 0 || len <= 0
          || (txBuf == 0 && rxBuf == 0)) {
        throw new AssertionError("malformed spi_ioc_transfer " + i);
      }
      byte[] tx = txBuf == 0 ? null
          : MemorySegment.ofAddress(txBuf).reinterpret(len).toArray(JAVA_BYTE);
      decoded.add(new Transfer(txBuf != 0, rxBuf != 0, len,
          arg.get(JAVA_INT, b + SpiIoc.XFER_SPEED_HZ),
          Short.toUnsignedInt(arg.get(JAVA_SHORT, b + SpiIoc.XFER_DELAY_USECS)),
          Byte.toUnsignedInt(arg.get(JAVA_BYTE, b + SpiIoc.XFER_BITS_PER_WORD)),
          arg.get(JAVA_BYTE, b + SpiIoc.XFER_CS_CHANGE),
          arg.get(JAVA_BYTE, b + SpiIoc.XFER_TX_NBITS),
          arg.get(JAVA_BYTE, b + SpiIoc.XFER_RX_NBITS),
          Byte.toUnsignedInt(arg.get(JAVA_BYTE, b + SpiIoc.XFER_WORD_DELAY_USECS)), tx,
          currentMode()));
    }
    super.ioctl(request, arg);
    messages.add(decoded);
    if (patternRx) {
      for (int i = 0; i < n; i++) {
        long b = (long) i * SpiIoc.TRANSFER_SIZE;
        long rxBuf = arg.get(JAVA_LONG, b + SpiIoc.XFER_RX_BUF);
        int len = arg.get(JAVA_INT, b + SpiIoc.XFER_LEN);
        if (rxBuf != 0) {
          MemorySegment rx = MemorySegment.ofAddress(rxBuf).reinterpret(len);
          for (int k = 0; k < len; k++) {
            rx.set(JAVA_BYTE, k, (byte) k);
          }
        }
      }
    }
  }

  @Override
  public synchronized void close() {
    closedOnce = true; // the same fake serves every open: stay usable
  }
}
