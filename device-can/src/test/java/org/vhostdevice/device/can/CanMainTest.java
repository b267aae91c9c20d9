// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's options and validation messages (spec 7.1). */
class CanMainTest {
  private static CanMain parse(String... args) {
    CanMain m = new CanMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void interfacesAreSplitOnWhitespace() throws Exception {
    assertEquals(List.of("vcan0", "vcan1"),
        parse("-s", "s", "-c", "2", "-d", "  vcan0 \t vcan1 ").interfaces());
    assertEquals(List.of("can0"), parse("-s", "s", "--can-devices", "can0").interfaces());
  }

  @Test
  void theCountMustMatchTheInterfaces() {
    assertEquals("Invalid socket count: 2", assertThrows(UsageException.class,
        () -> parse("-s", "s", "-c", "2", "-d", "vcan0").interfaces()).getMessage());
    assertEquals("Invalid socket count: 1", assertThrows(UsageException.class,
        () -> parse("-s", "s", "-d", "vcan0 vcan1").interfaces()).getMessage());
  }

  @Test
  void zeroSocketsIsRefused() {
    assertEquals("Invalid socket count: 0", assertThrows(UsageException.class,
        () -> parse("-s", "s", "-c", "0", "-d", "vcan0").interfaces()).getMessage());
  }

  @Test
  void theInterfacesAreRequired() {
    assertThrows(UsageException.class, () -> parse("-s", "s").interfaces());
  }

  @Test
  void anInterfaceThatCannotBeOpenedFailsTheStart() {
    IOException e = assertThrows(IOException.class,
        () -> CanMain.checkInterfaces(List.of("nosuchcan7"), SocketCanBus::open));
    assertTrue(e.getMessage().startsWith("Could not find can devices: nosuchcan7"),
        e.getMessage());
  }

  @Test
  void theSimulationOpensAnyName() throws Exception {
    CanMain m = parse("-s", "s", "-d", "sim0", "--simulate");
    CanMain.checkInterfaces(m.interfaces(), m.opener());
    assertTrue(m.opener() instanceof SimulatedCanNetwork);
  }

  @Test
  void helpSaysTheSimulationIsForTesting() {
    assertTrue(new CommandLine(new CanMain()).getUsageMessage().contains("FOR TESTING ONLY"));
  }
}
