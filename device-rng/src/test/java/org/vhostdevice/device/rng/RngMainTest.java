// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's options, defaults, aliases and validation messages. */
class RngMainTest {
  private static RngMain parse(String... args) {
    RngMain m = new RngMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void defaultsMatchTheRustDaemon() throws Exception {
    RngMain m = parse("-s", "/tmp/rng.sock");
    assertEquals(Path.of("/dev/urandom"), m.source);
    assertEquals(65536, m.periodMs);
    assertEquals(Long.MAX_VALUE, m.maxBytes);
    assertEquals(1, m.socket.socketCount());
    m.validate();
  }

  @Test
  void sourceHasTheReadmeAliasToo() {
    assertEquals(Path.of("/x"), parse("-s", "s", "--filename", "/x").source);
    assertEquals(Path.of("/y"), parse("-s", "s", "--rng-source", "/y").source);
    assertEquals(Path.of("/z"), parse("-s", "s", "-f", "/z").source);
  }

  @Test
  void periodOutsideOneTo65536IsRefused() {
    assertEquals("Period is too big: 65537",
        assertThrows(UsageException.class, () -> parse("-s", "s", "-p", "65537").validate())
            .getMessage());
    assertThrows(UsageException.class, () -> parse("-s", "s", "--period", "0").validate());
  }

  @Test
  void zeroSocketsIsRefused() {
    assertEquals("Wrong socket count: 0",
        assertThrows(UsageException.class, () -> parse("-s", "s", "-c", "0").validate())
            .getMessage());
  }

  @Test
  void theBudgetIsSplitBetweenTheSockets() {
    assertEquals(333, parse("-s", "s", "-c", "3", "-m", "1000").budgetPerSocket());
  }

  @Test
  void aMissingSourceFailsTheStartWithTheRustMessage() {
    RngMain m = parse("-s", "/tmp/never-bound.sock", "-f", "/nonexistent/entropy");
    Exception e = assertThrows(Exception.class, m::call);
    assertEquals(true, e.getMessage().startsWith("RNG source file doesn't exists"), e.getMessage());
  }
}
