// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The spidev ioctl numbers and struct layout, checked against the values of the C headers. */
class SpiIocTest {
  @Test
  void requestNumbersMatchLinux() {
    assertEquals(0x80016b03L, SpiIoc.SPI_IOC_RD_BITS_PER_WORD);
    assertEquals(0x40016b03L, SpiIoc.SPI_IOC_WR_BITS_PER_WORD);
    assertEquals(0x80046b04L, SpiIoc.SPI_IOC_RD_MAX_SPEED_HZ);
    assertEquals(0x40046b04L, SpiIoc.SPI_IOC_WR_MAX_SPEED_HZ);
    assertEquals(0x80046b05L, SpiIoc.SPI_IOC_RD_MODE32);
    assertEquals(0x40046b05L, SpiIoc.SPI_IOC_WR_MODE32);
  }

  @Test
  void messageEncodesTheArraySize() {
    assertEquals(0x40206b00L, SpiIoc.message(1));
    assertEquals(0x40406b00L, SpiIoc.message(2));
    assertEquals(0x40006b00L | (511L * 32 << 16), SpiIoc.message(511));
  }

  @Test
  void messageOfTooManyTransfersHasSizeZeroAsInC() {
    assertEquals(0x40006b00L, SpiIoc.message(512));
    assertEquals(511, SpiIoc.MAX_TRANSFERS_PER_MESSAGE);
  }

  @Test
  void requestsAreNamedInMessages() {
    assertEquals("SPI_IOC_RD_MODE32", SpiIoc.name(SpiIoc.SPI_IOC_RD_MODE32));
    assertEquals("SPI_IOC_MESSAGE(3)", SpiIoc.name(SpiIoc.message(3)));
  }

  @Test
  void transferLayoutIs32BytesWithTheKernelOffsets() {
    assertEquals(32, SpiIoc.TRANSFER_SIZE);
    assertEquals(16, SpiIoc.XFER_LEN);
    assertEquals(24, SpiIoc.XFER_DELAY_USECS);
    assertEquals(30, SpiIoc.XFER_WORD_DELAY_USECS);
  }
}
