// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.vhostdevice.device.spi.SimulatedSpidev.Controller;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;

/** Capability probing against simulated controllers with the kernel's rules. */
class VirtioSpiConfigTest {
  private static VirtioSpiConfig probe(FakeSpidev dev) throws Exception {
    return VirtioSpiConfig.probe(new SpidevOps(dev));
  }

  @Test
  void aCapableControllerReportsEverything() throws Exception {
    VirtioSpiConfig c = probe(new FakeSpidev(Controller.demo()));
    assertEquals(1, c.csMaxNumber());
    assertEquals(1, c.csChangeSupported());
    assertEquals(VirtioSpiConfig.NBITS_DUAL | VirtioSpiConfig.NBITS_QUAD, c.txNbitsSupported());
    assertEquals(VirtioSpiConfig.NBITS_DUAL | VirtioSpiConfig.NBITS_QUAD, c.rxNbitsSupported());
    assertEquals((1 << 7) | (1 << 15) | (1 << 31), c.bitsPerWordMask());
    assertEquals(0x7f, c.modeFuncSupported());
  }

  @Test
  void currentKernelsRefuseSpeedZeroSoMaxFreqIsUnknown() throws Exception {
    assertEquals(0, probe(new FakeSpidev(Controller.demo())).maxFreqHz());
  }

  @Test
  void aControllerWithoutModeBitsSupportsOnlyMode0() throws Exception {
    VirtioSpiConfig c = probe(new FakeSpidev(new Controller(0, 0, 1000, 4096)));
    assertEquals(VirtioSpiConfig.MODE_CPHA_0 | VirtioSpiConfig.MODE_CPOL_0, c.modeFuncSupported());
    assertEquals(0, c.txNbitsSupported());
    assertEquals(0, c.rxNbitsSupported());
  }

  @Test
  void anyWordSizeIsMaskZero() throws Exception {
    assertEquals(0, probe(new FakeSpidev(new Controller(0, 0, 1000, 4096))).bitsPerWordMask());
  }

  @Test
  void probingPutsTheOriginalSettingsBack() throws Exception {
    FakeSpidev dev = new FakeSpidev(Controller.demo());
    SpidevOps ops = new SpidevOps(dev);
    ops.setMode(SpiIoc.SPI_CPOL);
    ops.setBitsPerWord(16);
    ops.setMaxSpeedHz(12345);
    VirtioSpiConfig.probe(ops);
    assertEquals(SpiIoc.SPI_CPOL, ops.mode());
    assertEquals(16, ops.bitsPerWord());
    assertEquals(12345, ops.maxSpeedHz());
  }

  @Test
  void aModeSetAlreadyCountsAsSupported() throws Exception {
    FakeSpidev dev = new FakeSpidev(new Controller(SpiIoc.SPI_CPHA, 0, 1000, 4096));
    new SpidevOps(dev).setMode(SpiIoc.SPI_CPHA);
    VirtioSpiConfig c = probe(dev);
    assertEquals(VirtioSpiConfig.MODE_CPHA_0 | VirtioSpiConfig.MODE_CPHA_1
        | VirtioSpiConfig.MODE_CPOL_0, c.modeFuncSupported());
  }

  @Test
  void aFailedReadAbortsProbing() {
    FakeSpidev dev = new FakeSpidev(Controller.demo());
    dev.fail(SpiIoc.SPI_IOC_RD_MODE32, Errno.EINVAL);
    NativeException e = assertThrows(NativeException.class, () -> probe(dev));
    assertEquals(Errno.EINVAL, e.errno());
  }

  @Test
  void aRefusedRestoreAbortsProbing() {
    FakeSpidev dev = new FakeSpidev(Controller.demo());
    dev.fail(SpiIoc.SPI_IOC_WR_BITS_PER_WORD, Errno.EINVAL);
    assertThrows(NativeException.class, () -> probe(dev));
  }

  @Test
  void theConfigSpaceIs32LittleEndianBytes() {
    byte[] b = new VirtioSpiConfig(1, 1, 2, 4, 0x01020304, 0x7f, 10_000, 5, 6, 7, 8).toBytes();
    assertEquals(32, b.length);
    assertArrayEquals(new byte[] {1, 1, 2, 4, 4, 3, 2, 1, 0x7f, 0, 0, 0, 0x10, 0x27, 0, 0,
        5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0}, b);
  }
}
