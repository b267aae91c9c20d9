// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's options and messages. */
class GpioMainTest {
  private static GpioMain parse(String... args) {
    GpioMain m = new GpioMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  private static String error(String... args) {
    return assertThrows(UsageException.class, () -> parse(args).validate()).getMessage();
  }

  @Test
  void aListOfChipsOnePerSocket() throws Exception {
    assertEquals(List.of(new GpioMain.Entry(false, 1), new GpioMain.Entry(false, 4),
        new GpioMain.Entry(false, 32), new GpioMain.Entry(false, 21),
        new GpioMain.Entry(false, 5)),
        parse("-s", "/tmp/g.sock", "-c", "5", "-l", "1:4:32:21:5").validate());
  }

  @Test
  void simulatedAndHostChipsMix() throws Exception {
    assertEquals(List.of(new GpioMain.Entry(false, 1), new GpioMain.Entry(true, 4)),
        parse("-s", "s", "-c", "2", "-l", "1:s4").validate());
  }

  @Test
  void duplicateSimulatedChipsAreFine() throws Exception {
    assertEquals(2, parse("-s", "s", "-c", "2", "-l", "s4:s4").validate().size());
  }

  @Test
  void aDuplicateHostChipIsRefused() {
    assertEquals("Duplicate device detected: 1", error("-s", "s", "-c", "3", "-l", "1:4:1"));
  }

  @Test
  void theSocketCountMustMatchTheList() {
    assertEquals("Socket count (2) doesn't match device count 3",
        error("-s", "s", "-c", "2", "-l", "1:4:5"));
  }

  @Test
  void anEntryThatIsNotANumberIsAParseFailure() {
    assertEquals("Failed while parsing to integer: ParseIntError { kind: InvalidDigit }",
        error("-s", "s", "-c", "1", "-l", "4d"));
    assertEquals("Failed while parsing to integer: ParseIntError { kind: Empty }",
        error("-s", "s", "-c", "2", "-l", "1:"));
  }

  @Test
  void zeroSocketsIsRefused() {
    assertEquals("Invalid socket count: 0", error("-s", "s", "-c", "0", "-l", "1"));
  }

  @Test
  void aSimulatedChipNeedsLines() {
    assertTrue(error("-s", "s", "-l", "s0").startsWith("Invalid simulated gpio device: s0"));
  }

  @Test
  void theDeviceListIsRequired() {
    assertEquals("Missing required option: '--device-list=LIST'", error("-s", "s"));
  }

  @Test
  void printCapabilitiesStandsAloneAsQemuRunsIt() {
    assertEquals(0, org.vhostdevice.vhostuser.runtime.DaemonMain.run(new GpioMain(),
        new String[] {"--print-capabilities"}));
  }

  @Test
  void aMissingHostChipFailsTheStartWithTheRustWording() {
    GpioMain m = parse("-s", "/tmp/never.sock", "-l", "4242");
    Exception e = assertThrows(Exception.class, m::call);
    assertTrue(e.getMessage().startsWith("Fatal error starting backend: Could not open gpio device"),
        e.getMessage());
  }

  @Test
  void aSocketInAMissingDirectoryFailsTheStart() {
    GpioMain m = parse("-s", "/nonexistent-dir/gpio.sock", "-l", "s1");
    assertThrows(java.io.IOException.class, m::call);
  }
}
