// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Rust parameter checks (spec 5.8), with the two fixes noted in the README. */
class SpiTransferHeadTest {
  private static final VirtioSpiConfig DUMMY = FakeSpidev.DUMMY_CONFIG;

  private static boolean ok(VirtioSpiConfig c, int cs, int bpw, int tx, int rx, int mode,
      int freq) {
    return SpiTransferHead.supported(c, cs, bpw, tx, rx, mode, freq);
  }

  @Test
  void aPlainRequestIsValid() {
    assertTrue(ok(DUMMY, 0, 8, 1, 1, 0, 10_000));
  }

  @Test
  void chipSelectBeyondTheOnlyOneIsInvalid() {
    assertFalse(ok(DUMMY, 3, 8, 1, 1, 0, 1000));
    // Rust lets cs 1 through (cs_id > cs_max_number); there is only chip select 0.
    assertFalse(ok(DUMMY, 1, 8, 1, 1, 0, 1000));
  }

  @Test
  void aFrequencyAboveTheMaximumIsInvalid() {
    assertFalse(ok(DUMMY, 0, 8, 1, 1, 0, 1_000_000));
  }

  @Test
  void anUnknownMaximumFrequencyAcceptsAnySpeed() {
    VirtioSpiConfig c = VirtioSpiConfig.of(0, 0, 0, 0xf, 0);
    assertTrue(ok(c, 0, 8, 1, 1, 0, -1));
  }

  @Test
  void loopWithoutLoopSupportIsInvalid() {
    assertFalse(ok(DUMMY, 0, 8, 1, 1, SpiTransferHead.MODE_LOOP, 1000));
  }

  @Test
  void dualTxWithoutDualSupportIsInvalid() {
    assertFalse(ok(DUMMY, 0, 8, 2, 1, 0, 1000));
    assertTrue(ok(VirtioSpiConfig.of(1, 0, 0, 0xf, 0), 0, 8, 2, 1, 0, 1000));
  }

  @Test
  void widthsOtherThan0124And8AreInvalid() {
    VirtioSpiConfig all = VirtioSpiConfig.of(7, 7, 0, 0xf, 0);
    assertTrue(ok(all, 0, 8, 8, 4, 0, 1));
    assertFalse(ok(all, 0, 8, 3, 1, 0, 1));
    assertFalse(ok(all, 0, 8, 1, 16, 0, 1));
  }

  @Test
  void wordSizesAreCheckedAgainstTheMask() {
    VirtioSpiConfig c = VirtioSpiConfig.of(0, 0, 0xf, 0xf, 0);
    assertFalse(ok(c, 0, 8, 1, 1, 0, 1));
    assertTrue(ok(c, 0, 1, 1, 1, 0, 1));
    assertFalse(ok(c, 0, 33, 1, 1, 0, 1));
  }

  @Test
  void wordSizeZeroMeansTheDefaultAndIsValid() {
    assertTrue(ok(VirtioSpiConfig.of(0, 0, 0xf, 0xf, 0), 0, 0, 1, 1, 0, 1));
  }

  @Test
  void modeMasksFromTheRustTests() {
    VirtioSpiConfig m4f = VirtioSpiConfig.of(0, 0, 0, 0x4f, 0);
    VirtioSpiConfig m5f = VirtioSpiConfig.of(0, 0, 0, 0x5f, 0);
    VirtioSpiConfig m2f = VirtioSpiConfig.of(0, 0, 0, 0x2f, 0);
    int all = SpiTransferHead.MODE_CPHA | SpiTransferHead.MODE_CPOL;
    assertTrue(ok(m4f, 0, 8, 1, 1, all | SpiTransferHead.MODE_LOOP, 1));
    assertFalse(ok(m4f, 0, 8, 1, 1, SpiTransferHead.MODE_CS_HIGH, 1));
    assertTrue(ok(m5f, 0, 8, 1, 1, SpiTransferHead.MODE_CS_HIGH | SpiTransferHead.MODE_LOOP, 1));
    assertFalse(ok(m5f, 0, 8, 1, 1, SpiTransferHead.MODE_LSB_FIRST, 1));
    assertTrue(ok(m2f, 0, 8, 1, 1, SpiTransferHead.MODE_LSB_FIRST | all, 1));
    assertFalse(ok(m2f, 0, 8, 1, 1, SpiTransferHead.MODE_LOOP, 1));
  }

  @Test
  void cphaAndCpolValuesMustBeSupported() {
    VirtioSpiConfig onlyMode0 = VirtioSpiConfig.of(0, 0, 0, 0x5, 0);
    assertTrue(ok(onlyMode0, 0, 8, 1, 1, 0, 1));
    assertFalse(ok(onlyMode0, 0, 8, 1, 1, SpiTransferHead.MODE_CPHA, 1));
    assertFalse(ok(onlyMode0, 0, 8, 1, 1, SpiTransferHead.MODE_CPOL, 1));
    VirtioSpiConfig onlyMode3 = VirtioSpiConfig.of(0, 0, 0, 0xa, 0);
    assertFalse(ok(onlyMode3, 0, 8, 1, 1, 0, 1));
  }

  @Test
  void theSpidevModeTakesTheRequestBitsAndKeepsTheRest() {
    int saved = SpiIoc.SPI_CPHA | SpiIoc.SPI_3WIRE;
    assertEquals(SpiIoc.SPI_3WIRE | SpiIoc.SPI_CPOL | SpiIoc.SPI_LOOP,
        SpiTransferHead.spidevMode(saved, SpiTransferHead.MODE_CPOL | SpiTransferHead.MODE_LOOP,
            1, 1));
  }

  @Test
  void aMultiBitTransferPutsItsWidthIntoTheMode() {
    assertEquals(SpiIoc.SPI_TX_QUAD | SpiIoc.SPI_RX_DUAL,
        SpiTransferHead.spidevMode(SpiIoc.SPI_TX_DUAL, 0, 4, 2));
    assertEquals(SpiIoc.SPI_TX_DUAL, SpiTransferHead.spidevMode(SpiIoc.SPI_TX_DUAL, 0, 1, 0));
  }
}
