// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

/**
 * {@code struct spi_transfer_head} (32 bytes, little-endian) that opens every virtio-spi request,
 * the request mode bits, and the one-byte {@code struct spi_transfer_result}.
 */
final class SpiTransferHead {
  static final int SIZE = 32;
  static final int CHIP_SELECT_ID = 0;
  static final int BITS_PER_WORD = 1;
  static final int CS_CHANGE = 2;
  static final int TX_NBITS = 3;
  static final int RX_NBITS = 4;
  static final int RESERVED = 5; // 3 bytes
  static final int MODE = 8;
  static final int FREQ = 12;
  static final int WORD_DELAY_NS = 16;
  static final int CS_SETUP_NS = 20;
  static final int CS_DELAY_HOLD_NS = 24;
  static final int CS_CHANGE_DELAY_INACTIVE_NS = 28;

  // mode field of the head
  static final int MODE_CPHA = 0x1;
  static final int MODE_CPOL = 0x2;
  static final int MODE_CS_HIGH = 0x4;
  static final int MODE_LSB_FIRST = 0x8;
  static final int MODE_LOOP = 0x10;

  /** The result byte, the last device-writable byte of a request. */
  static final int RESULT_SIZE = 1;
  static final byte VIRTIO_SPI_TRANS_OK = 0;
  static final byte VIRTIO_SPI_PARAM_ERR = 1;
  static final byte VIRTIO_SPI_TRANS_ERR = 2;

  private SpiTransferHead() {}

  /** The Linux mode bits ({@link SpiIoc}) a request's mode field asks for. */
  static int linuxMode(int requestMode) {
    int m = 0;
    m |= (requestMode & MODE_CPHA) != 0 ? SpiIoc.SPI_CPHA : 0;
    m |= (requestMode & MODE_CPOL) != 0 ? SpiIoc.SPI_CPOL : 0;
    m |= (requestMode & MODE_CS_HIGH) != 0 ? SpiIoc.SPI_CS_HIGH : 0;
    m |= (requestMode & MODE_LSB_FIRST) != 0 ? SpiIoc.SPI_LSB_FIRST : 0;
    m |= (requestMode & MODE_LOOP) != 0 ? SpiIoc.SPI_LOOP : 0;
    return m;
  }

  /**
   * The spidev mode for one request: the spidev's own mode with the request's CPHA, CPOL,
   * CS_HIGH, LSB_FIRST and LOOP, plus the dual/quad/octal width its transfer uses (the SPI core
   * refuses a multi-bit transfer unless the device's mode has that width).
   */
  static int spidevMode(int saved, int requestMode, int txNbits, int rxNbits) {
    int m = (saved & ~SpiIoc.REQUEST_MODE_BITS) | linuxMode(requestMode);
    m = withWidth(m, txNbits, SpiIoc.SPI_TX_DUAL, SpiIoc.SPI_TX_QUAD, SpiIoc.SPI_TX_OCTAL);
    return withWidth(m, rxNbits, SpiIoc.SPI_RX_DUAL, SpiIoc.SPI_RX_QUAD, SpiIoc.SPI_RX_OCTAL);
  }

  private static int withWidth(int m, int nbits, int dual, int quad, int octal) {
    int width = switch (nbits) {
      case 2 -> dual;
      case 4 -> quad;
      case 8 -> octal;
      default -> 0;
    };
    return width == 0 ? m : (m & ~(dual | quad | octal)) | width;
  }

  /**
   * True if the controller described by {@code config} can carry out a request with these head
   * fields (virtio-spi's PARAM_ERR conditions).
   */
  static boolean supported(VirtioSpiConfig config, int chipSelect, int bitsPerWord, int txNbits,
      int rxNbits, int mode, int freq) {
    // cs_max_number counts chip selects, so valid ids are 0..n-1 (Rust lets id n through).
    if (chipSelect >= config.csMaxNumber()) {
      return false;
    }
    // bits_per_word 0 means "the device default" (as in spi_ioc_transfer); Rust underflows here.
    int mask = config.bitsPerWordMask();
    if (mask != 0 && bitsPerWord != 0
        && (bitsPerWord > 32 || (mask & (1 << (bitsPerWord - 1))) == 0)) {
      return false;
    }
    if (!widthSupported(txNbits, config.txNbitsSupported())
        || !widthSupported(rxNbits, config.rxNbitsSupported())) {
      return false;
    }
    int func = config.modeFuncSupported();
    if ((mode & MODE_CPHA) == 0 ? (func & VirtioSpiConfig.MODE_CPHA_0) == 0
        : (func & VirtioSpiConfig.MODE_CPHA_1) == 0) {
      return false;
    }
    if ((mode & MODE_CPOL) == 0 ? (func & VirtioSpiConfig.MODE_CPOL_0) == 0
        : (func & VirtioSpiConfig.MODE_CPOL_1) == 0) {
      return false;
    }
    if ((mode & MODE_CS_HIGH) != 0 && (func & VirtioSpiConfig.MODE_CS_HIGH) == 0) {
      return false;
    }
    if ((mode & MODE_LSB_FIRST) != 0 && (func & VirtioSpiConfig.MODE_LSB_FIRST) == 0) {
      return false;
    }
    if ((mode & MODE_LOOP) != 0 && (func & VirtioSpiConfig.MODE_LOOP) == 0) {
      return false;
    }
    return config.maxFreqHz() == 0 || Integer.compareUnsigned(freq, config.maxFreqHz()) <= 0;
  }

  private static boolean widthSupported(int nbits, int supported) {
    return switch (nbits) {
      case 0, 1 -> true;
      case 2 -> (supported & VirtioSpiConfig.NBITS_DUAL) != 0;
      case 4 -> (supported & VirtioSpiConfig.NBITS_QUAD) != 0;
      case 8 -> (supported & VirtioSpiConfig.NBITS_OCTAL) != 0;
      default -> false;
    };
  }
}
