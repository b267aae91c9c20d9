// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's options and messages, and the test backend switch. */
class SpiMainTest {
  private static SpiMain parse(String... args) {
    SpiMain m = new SpiMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void theDeviceHasTheRustShortOptionAndTheIssueAlias() {
    assertEquals(Path.of("/dev/spidev0.0"), parse("-s", "s", "-l", "/dev/spidev0.0").device);
    assertEquals(Path.of("/dev/spidev1.0"), parse("-s", "s", "-d", "/dev/spidev1.0").device);
    assertEquals(Path.of("/dev/spidev2.0"), parse("-s", "s", "--device", "/dev/spidev2.0").device);
  }

  @Test
  void socketCountDefaultsToOneAndZeroIsRefused() {
    assertEquals(1, parse("-s", "s", "-l", "x").socket.socketCount());
    assertThrows(UsageException.class, () -> parse("-s", "s", "-l", "x", "-c", "0").opener());
  }

  @Test
  void aDeviceOrTheSimulationIsRequiredButNotBoth() {
    assertThrows(UsageException.class, () -> parse("-s", "s").opener());
    assertThrows(UsageException.class, () -> parse("-s", "s", "-l", "x", "--simulate").opener());
  }

  @Test
  void theSimulationIsOneDeviceOpenedManyTimes() throws Exception {
    Spidev.Opener opener = parse("-s", "s", "--simulate").opener();
    try (SpidevOps a = new SpidevOps(opener.open())) {
      a.setMode(SpiIoc.SPI_CPOL);
    }
    try (SpidevOps b = new SpidevOps(opener.open())) {
      assertEquals(SpiIoc.SPI_CPOL, b.mode(), "settings persist like on a device file");
    }
    Spidev closed = opener.open();
    closed.close();
    assertThrows(java.io.IOException.class, () -> new SpidevOps(closed).mode());
  }

  @Test
  void anInaccessibleDeviceFailsTheStartWithTheRustMessage() {
    SpiMain m = parse("-s", "/tmp/never-bound-spi.sock", "-l", "/nonexistent/spidev0.0");
    Exception e = assertThrows(Exception.class, m::call);
    assertTrue(e.getMessage().startsWith("SPI device file doesn't exists or can't be accessed"),
        e.getMessage());
  }

  @Test
  void helpSaysTheSimulationIsForTesting() {
    String usage = new CommandLine(new SpiMain()).getUsageMessage();
    assertTrue(usage.contains("FOR TESTING ONLY"), usage);
  }
}
