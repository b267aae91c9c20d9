// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class PathConverterTest {
  @Command(name = "paths")
  static final class Paths {
    @Option(names = "-p")
    Path path;
  }

  private static String error(CommandLine cl) {
    return assertThrows(CommandLine.ParameterException.class, () -> cl.parseArgs("-p", "a\0b"))
        .getMessage();
  }

  @Test
  void convertsLikePicocli() {
    Paths p = new Paths();
    CommandLine cl = new CommandLine(p);
    cl.registerConverter(Path.class, new PathConverter());
    cl.parseArgs("-p", "/run/x.sock");
    assertEquals(Path.of("/run/x.sock"), p.path);
  }

  @Test
  void anInvalidPathGivesPicocliOwnMessage() {
    CommandLine own = new CommandLine(new Paths());
    CommandLine ours = new CommandLine(new Paths());
    ours.registerConverter(Path.class, new PathConverter());
    assertEquals(error(own), error(ours));
  }
}
