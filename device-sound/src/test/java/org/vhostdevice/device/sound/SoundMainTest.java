// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's command line: --socket or --socket-fd, --backend null|alsa. */
class SoundMainTest {
  private static SoundMain parse(String... args) {
    SoundMain m = new SoundMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void nullAndAlsaBackendsParse() throws Exception {
    SoundMain m = parse("--socket", "/tmp/snd.sock", "--backend", "null");
    assertEquals(SoundMain.Backend.NULL, m.backend);
    assertEquals(Path.of("/tmp/snd.sock"), m.socketPath);
    assertNotNull(m.daemon());
    assertEquals(SoundMain.Backend.ALSA, parse("--socket", "s", "--backend", "alsa").backend);
  }

  @Test
  void pipewireParsesAndUnknownBackendsAreRefused() {
    assertEquals(SoundMain.Backend.PIPEWIRE,
        parse("--socket", "s", "--backend", "pipewire").backend);
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
        () -> parse("--socket", "s", "--backend", "jack"));
    assertTrue(e.getMessage().contains("unknown backend 'jack'"), e.getMessage());
  }

  @Test
  void theBackendIsRequired() {
    assertEquals("--backend is required (null, alsa, pipewire)",
        assertThrows(UsageException.class, () -> parse("--socket", "s").daemon()).getMessage());
  }

  @Test
  void aSocketOrASocketFdIsRequiredButNotBoth() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("LISTEN_FDS") == null);
    assertEquals("one of --socket or --socket-fd is required",
        assertThrows(UsageException.class, () -> parse("--backend", "null").daemon())
            .getMessage());
    assertThrows(UsageException.class,
        () -> parse("--socket", "s", "--socket-fd", "3", "--backend", "null").daemon());
    assertNotNull(parse("--socket-fd", "3", "--backend", "null").daemon());
  }

  @Test
  void printCapabilitiesNeedsNeitherSocketNorBackend() throws Exception {
    assertNotNull(parse("--print-capabilities").daemon());
  }
}
