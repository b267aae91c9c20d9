// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's options, defaults and validation messages, and the checks it lacks. */
class ConsoleMainTest {
  private static ConsoleMain parse(String... args) {
    ConsoleMain m = new ConsoleMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  private static String refusal(String... args) {
    return assertThrows(UsageException.class, () -> parse(args).validate()).getMessage();
  }

  @Test
  void printCapabilitiesStandsAloneWithoutATerminal() {
    // Maven's stdin is not a terminal: opening the nested backend here would fail the call.
    org.junit.jupiter.api.Assertions.assertEquals(0,
        org.vhostdevice.vhostuser.runtime.DaemonMain.run(new ConsoleMain(),
            new String[] {"--print-capabilities"}));
  }

  @Test
  void defaultsMatchTheRustDaemon() throws Exception {
    ConsoleMain m = parse("-s", "/tmp/c.sock");
    assertEquals(ConsoleMain.BackendType.nested, m.backend);
    assertEquals(12345, m.validate());
    assertEquals(128, m.maxQueueSize);
    assertEquals(1, m.socket.socketCount());
    assertEquals("127.0.0.1", m.tcpAddress);
  }

  @Test
  void nestedWithOneSocketIsAccepted() throws Exception {
    parse("-s", "s", "-b", "nested", "-c", "1").validate();
  }

  @Test
  void zeroSocketsAreRefused() {
    assertEquals("Invalid socket count: 0", refusal("-s", "s", "-c", "0"));
  }

  @Test
  void nestedWithTwoSocketsIsRefused() {
    assertEquals("Error using multiple sockets with Nested backend",
        refusal("-s", "s", "-b", "nested", "-c", "2"));
  }

  @Test
  void networkWithOneOrTwoSocketsIsAccepted() throws Exception {
    assertEquals(12345, parse("-s", "s", "-b", "network", "-c", "1").validate());
    assertEquals(2000, parse("-s", "s", "-b", "network", "-c", "2", "-p", "2000").validate());
  }

  @Test
  void aNonNumericPortIsAUsageErrorNotACrash() {
    assertEquals("Invalid TCP port: abc", refusal("-s", "s", "-b", "network", "-p", "abc"));
  }

  @Test
  void portsPastTheLastOneAreRefused() {
    assertEquals("Invalid TCP port: 65535 for 2 guest(s)",
        refusal("-s", "s", "-b", "network", "-c", "2", "-p", "65535"));
  }

  @Test
  void theQueueSizeMustBeAPowerOfTwo() {
    refusal("-s", "s", "-q", "100");
    refusal("-s", "s", "-q", "0");
    refusal("-s", "s", "-q", "65536");
  }
}
