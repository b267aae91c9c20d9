// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct virtio_spi_config} (32 bytes, little-endian), as probed from the host spidev.
 * Unsigned u32 fields are held in ints and compared with {@code Integer.compareUnsigned}.
 */
public record VirtioSpiConfig(
    int csMaxNumber,
    int csChangeSupported,
    int txNbitsSupported,
    int rxNbitsSupported,
    int bitsPerWordMask,
    int modeFuncSupported,
    int maxFreqHz,
    int maxWordDelayNs,
    int maxCsSetupNs,
    int maxCsHoldNs,
    int maxCsInactiveNs) {
  public static final int SIZE = 32;
  static final int OFF_CS_MAX_NUMBER = 0;
  static final int OFF_CS_CHANGE_SUPPORTED = 1;
  static final int OFF_TX_NBITS_SUPPORTED = 2;
  static final int OFF_RX_NBITS_SUPPORTED = 3;
  static final int OFF_BITS_PER_WORD_MASK = 4;
  static final int OFF_MODE_FUNC_SUPPORTED = 8;
  static final int OFF_MAX_FREQ_HZ = 12;
  static final int OFF_MAX_WORD_DELAY_NS = 16;
  static final int OFF_MAX_CS_SETUP_NS = 20;
  static final int OFF_MAX_CS_HOLD_NS = 24;
  static final int OFF_MAX_CS_INACTIVE_NS = 28;

  // tx/rx_nbits_supported bits
  public static final int NBITS_DUAL = 0x1;
  public static final int NBITS_QUAD = 0x2;
  public static final int NBITS_OCTAL = 0x4;
  // mode_func_supported bits
  public static final int MODE_CPHA_0 = 0x1;
  public static final int MODE_CPHA_1 = 0x2;
  public static final int MODE_CPOL_0 = 0x4;
  public static final int MODE_CPOL_1 = 0x8;
  public static final int MODE_CS_HIGH = 0x10;
  public static final int MODE_LSB_FIRST = 0x20;
  public static final int MODE_LOOP = 0x40;

  /** A config with one chip select, no delays, and the given capabilities. */
  public static VirtioSpiConfig of(int txNbits, int rxNbits, int bitsPerWordMask, int modeFunc,
      int maxFreqHz) {
    return new VirtioSpiConfig(1, 1, txNbits, rxNbits, bitsPerWordMask, modeFunc, maxFreqHz,
        0, 0, 0, 0);
  }

  public byte[] toBytes() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.put(OFF_CS_MAX_NUMBER, (byte) csMaxNumber);
    b.put(OFF_CS_CHANGE_SUPPORTED, (byte) csChangeSupported);
    b.put(OFF_TX_NBITS_SUPPORTED, (byte) txNbitsSupported);
    b.put(OFF_RX_NBITS_SUPPORTED, (byte) rxNbitsSupported);
    b.putInt(OFF_BITS_PER_WORD_MASK, bitsPerWordMask);
    b.putInt(OFF_MODE_FUNC_SUPPORTED, modeFuncSupported);
    b.putInt(OFF_MAX_FREQ_HZ, maxFreqHz);
    b.putInt(OFF_MAX_WORD_DELAY_NS, maxWordDelayNs);
    b.putInt(OFF_MAX_CS_SETUP_NS, maxCsSetupNs);
    b.putInt(OFF_MAX_CS_HOLD_NS, maxCsHoldNs);
    b.putInt(OFF_MAX_CS_INACTIVE_NS, maxCsInactiveNs);
    return b.array();
  }

  /**
   * Asks the spidev what it can do, the way the Rust daemon does, and puts the original speed,
   * bits per word and mode back afterwards:
   *
   * <ul>
   *   <li>speed: writing 0 makes older kernels pick the controller's maximum, which is then read
   *       back; a refusal (current kernels) leaves max_freq_hz 0, "unknown";
   *   <li>bits per word: 64 accepted means "any" (mask 0), else each of 1..32 is tried;
   *   <li>dual/quad/octal for TX and RX: set exactly one width bit and see whether it stuck (the
   *       SPI core silently drops width bits a controller lacks);
   *   <li>CPHA and CPOL: the current value is supported, the other one is tried; CS_HIGH,
   *       LSB_FIRST and LOOP are supported if set already or if setting them sticks.
   * </ul>
   *
   * Reading or restoring a setting must succeed (else the spidev is unusable); a refused probe
   * write just means "unsupported". The Rust daemon aborts when a width probe is refused.
   */
  static VirtioSpiConfig probe(SpidevOps dev) throws IOException {
    long originSpeed = dev.maxSpeedHz();
    long maxSpeed;
    try {
      dev.setMaxSpeedHz(0);
      maxSpeed = dev.maxSpeedHz();
    } catch (IOException refused) {
      maxSpeed = 0;
    }
    dev.setMaxSpeedHz(originSpeed);

    int originBits = dev.bitsPerWord();
    int bitsMask = 0;
    if (!accepts(() -> dev.setBitsPerWord(64))) {
      for (int bits = 1; bits <= 32; bits++) {
        final int b = bits;
        if (accepts(() -> dev.setBitsPerWord(b))) {
          bitsMask |= 1 << (bits - 1);
        }
      }
    }
    dev.setBitsPerWord(originBits);

    int origin = dev.mode();
    int txWidths = SpiIoc.SPI_TX_DUAL | SpiIoc.SPI_TX_QUAD | SpiIoc.SPI_TX_OCTAL;
    int rxWidths = SpiIoc.SPI_RX_DUAL | SpiIoc.SPI_RX_QUAD | SpiIoc.SPI_RX_OCTAL;
    int tx = 0;
    int rx = 0;
    tx |= sticks(dev, (origin & ~txWidths) | SpiIoc.SPI_TX_DUAL, SpiIoc.SPI_TX_DUAL) ? NBITS_DUAL : 0;
    tx |= sticks(dev, (origin & ~txWidths) | SpiIoc.SPI_TX_QUAD, SpiIoc.SPI_TX_QUAD) ? NBITS_QUAD : 0;
    tx |= sticks(dev, (origin & ~txWidths) | SpiIoc.SPI_TX_OCTAL, SpiIoc.SPI_TX_OCTAL)
        ? NBITS_OCTAL : 0;
    rx |= sticks(dev, (origin & ~rxWidths) | SpiIoc.SPI_RX_DUAL, SpiIoc.SPI_RX_DUAL) ? NBITS_DUAL : 0;
    rx |= sticks(dev, (origin & ~rxWidths) | SpiIoc.SPI_RX_QUAD, SpiIoc.SPI_RX_QUAD) ? NBITS_QUAD : 0;
    rx |= sticks(dev, (origin & ~rxWidths) | SpiIoc.SPI_RX_OCTAL, SpiIoc.SPI_RX_OCTAL)
        ? NBITS_OCTAL : 0;

    int func = 0;
    func |= toggles(dev, origin, SpiIoc.SPI_CPHA, MODE_CPHA_0, MODE_CPHA_1);
    func |= toggles(dev, origin, SpiIoc.SPI_CPOL, MODE_CPOL_0, MODE_CPOL_1);
    func |= (origin & SpiIoc.SPI_CS_HIGH) != 0
        || sticks(dev, origin | SpiIoc.SPI_CS_HIGH, SpiIoc.SPI_CS_HIGH) ? MODE_CS_HIGH : 0;
    func |= (origin & SpiIoc.SPI_LSB_FIRST) != 0
        || sticks(dev, origin | SpiIoc.SPI_LSB_FIRST, SpiIoc.SPI_LSB_FIRST) ? MODE_LSB_FIRST : 0;
    func |= (origin & SpiIoc.SPI_LOOP) != 0
        || sticks(dev, origin | SpiIoc.SPI_LOOP, SpiIoc.SPI_LOOP) ? MODE_LOOP : 0;
    dev.setMode(origin);
    return of(tx, rx, bitsMask, func, (int) maxSpeed);
  }

  private interface Attempt {
    void run() throws IOException;
  }

  private static boolean accepts(Attempt a) {
    try {
      a.run();
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  /** Writes {@code mode}; true if the spidev took it and reads back {@code bit} set. */
  private static boolean sticks(SpidevOps dev, int mode, int bit) throws IOException {
    if (!accepts(() -> dev.setMode(mode))) {
      return false;
    }
    return (dev.mode() & bit) != 0;
  }

  /** CPHA/CPOL: the current value is supported; the other one if writing it sticks. */
  private static int toggles(SpidevOps dev, int origin, int bit, int flag0, int flag1)
      throws IOException {
    boolean set = (origin & bit) != 0;
    int mode = set ? origin & ~bit : origin | bit;
    boolean otherOk = accepts(() -> dev.setMode(mode)) && ((dev.mode() & bit) != 0) != set;
    int current = set ? flag1 : flag0;
    int other = set ? flag0 : flag1;
    return current | (otherOk ? other : 0);
  }
}
