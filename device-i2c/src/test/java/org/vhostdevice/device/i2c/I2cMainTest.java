// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's options, checks and messages. */
class I2cMainTest {
  @TempDir Path dir;

  private static I2cMain parse(String... args) {
    I2cMain m = new I2cMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  private static String error(String... args) {
    return assertThrows(UsageException.class, () -> parse(args).validate()).getMessage();
  }

  @Test
  void zeroSocketsIsRefused() {
    assertEquals("Invalid socket count: 0", error("-s", "/tmp/i2c.sock", "-c", "0", "-l", "1:4"));
  }

  @Test
  void aPathWithALeadingSpaceHasNoParent() {
    String msg = error("-s", " ./i2c.sock", "-l", "1:4");
    assertTrue(msg.startsWith("Invalid path ` ./i2c.sock` given: Parent directory `"), msg);
    assertTrue(msg.endsWith("` does not exist."), msg);
  }

  @Test
  void aParentThatIsAFileIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "");
    assertEquals("Invalid path `" + file.resolve("i2c.sock") + "` given: `" + file
        + "` is a file, not a directory.", error("-s", file.resolve("i2c.sock").toString(),
        "-l", "1:4"));
  }

  @Test
  void aBadListFailsValidation() {
    assertEquals("Failed while parsing to integer: ParseIntError { kind: InvalidDigit }",
        error("-s", "/tmp/i2c.sock", "-l", "1:4d"));
    assertEquals("Duplicate client address detected: 4",
        error("-s", "/tmp/i2c.sock", "-l", "1:4,2:32:21,5:4"));
  }

  @Test
  void theDeviceListIsRequired() {
    assertEquals("Missing required option: '--device-list=LIST'", error("-s", "/tmp/x"));
  }

  @Test
  void printCapabilitiesStandsAloneAsQemuRunsIt() {
    assertEquals(0, org.vhostdevice.vhostuser.runtime.DaemonMain.run(new I2cMain(),
        new String[] {"--print-capabilities"}));
  }

  @Test
  void aMissingAdapterFailsTheStartAsALowLevelFailure() throws Exception {
    I2cMain m = parse("-s", dir.resolve("i2c.sock").toString(), "-l", "55555:4");
    String msg = assertThrows(java.io.IOException.class,
        () -> m.openAdapters(m.validate(), new SysfsAdapters(dir))).getMessage();
    assertTrue(msg.startsWith("Low level I2c failure: Failed to open adapter at /dev/i2c-55555"),
        msg);
  }

  @Test
  void anUnknownAdapterNameFailsTheStart() throws Exception {
    I2cMain m = parse("-s", dir.resolve("i2c.sock").toString(), "-l", "no such bus:4");
    String msg = assertThrows(java.io.IOException.class,
        () -> m.openAdapters(m.validate(), new SysfsAdapters(dir))).getMessage();
    assertTrue(msg.startsWith("Low level I2c failure: Adapter not found"), msg);
  }

  @Test
  void simulatedAdaptersNeedNoHardware() throws Exception {
    I2cMain m = parse("-s", dir.resolve("i2c.sock").toString(), "-l", "3:32,bus:33",
        "--simulate");
    try (I2cMap map = m.openAdapters(m.validate(), new SysfsAdapters(dir))) {
      assertEquals(2, map.adapters().size());
      assertEquals(1, map.adapterIndexOf(33));
      assertEquals(3, map.adapters().get(0).bus().busNumber());
    }
  }

  @Test
  void socketsAreNumberedLikeTheRustDaemon() throws Exception {
    I2cMain m = parse("-s", dir.resolve("vi2c.sock").toString(), "-c", "5", "-l", "1:4",
        "--simulate");
    I2cMap map = m.openAdapters(m.validate(), new SysfsAdapters(dir));
    org.vhostdevice.vhostuser.runtime.Daemon daemon = new org.vhostdevice.vhostuser.runtime.Daemon(
        I2cMain.SPEC, m.socket, i -> new I2cDevice(map));
    daemon.start();
    try {
      for (int i = 0; i < 5; i++) {
        assertTrue(Files.exists(dir.resolve("vi2c.sock" + i)), "vi2c.sock" + i);
      }
    } finally {
      daemon.stop();
    }
  }
}
