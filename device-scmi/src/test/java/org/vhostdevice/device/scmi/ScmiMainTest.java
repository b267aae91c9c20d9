// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The command line: the Rust daemon's options, --help-devices, and start-up errors. */
class ScmiMainTest {
  @TempDir Path dir;

  private static ScmiMain parse(String... args) {
    ScmiMain m = new ScmiMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void socketAndRepeatedDevicesAsInTheRustTest() throws Exception {
    ScmiMain m = parse("--device", "fake", "-s", "/foo/scmi.sock", "--device",
        "fake,name=foo,prop=value", "-d", "fake,name=bar");
    assertEquals(Path.of("/foo/scmi.sock"), m.socket.socketPath());
    assertEquals(List.of(new DeviceSpec("fake", DeviceProperties.of()),
        new DeviceSpec("fake", DeviceProperties.of("name", "foo", "prop", "value")),
        new DeviceSpec("fake", DeviceProperties.of("name", "bar"))), m.deviceSpecs());
  }

  @Test
  void oneDeviceOptionTakesSeveralValues() throws Exception {
    ScmiMain m = parse("-s", "s", "-d", "fake,name=a", "fake,name=b");
    assertEquals(2, m.deviceSpecs().size());
  }

  @Test
  void helpDevicesPrintsTheCatalogue() {
    StringWriter out = new StringWriter();
    int rc = new CommandLine(new ScmiMain()).setOut(new PrintWriter(out)).execute("--help-devices");
    assertEquals(0, rc);
    assertEquals(DeviceCatalogue.help(), out.toString());
  }

  @Test
  void helpDevicesMustBeUsedAlone() {
    assertEquals(2, DaemonMain.run(new ScmiMain(), new String[] {"--help-devices", "-s", "x"}));
  }

  @Test
  void aMalformedPropertyIsAUsageError() {
    UsageException e = assertThrows(UsageException.class,
        () -> parse("-s", "s", "-d", "fake,name").deviceSpecs());
    assertEquals("Invalid device fake property format: name", e.getMessage());
    assertEquals(2, DaemonMain.run(new ScmiMain(), new String[] {"-s", "s", "-d", "fake,name"}));
  }

  @Test
  void anUnknownDeviceIsAUsageError() {
    UsageException e = assertThrows(UsageException.class,
        () -> parse("-s", "s", "-d", "dummy").deviceSpecs());
    assertEquals("Unknown device requested: dummy", e.getMessage());
  }

  @Test
  void aDeviceThatCannotBeSetUpFailsTheStart() {
    Path missing = dir.resolve("iio:device9");
    ScmiMain m = parse("-s", dir.resolve("s").toString(), "-d",
        "iio,path=" + missing + ",channel=in_accel");
    IOException e = assertThrows(IOException.class, m::call);
    assertTrue(e.getMessage().startsWith("Error when configuring device iio: I/O error on \""
        + missing + "\""), e.getMessage());
  }

  @Test
  void missingDeviceParametersFailTheStart() {
    ScmiMain m = parse("-s", dir.resolve("s").toString(), "-d", "iio,path=/x");
    IOException e = assertThrows(IOException.class, m::call);
    assertEquals("Error when configuring device iio: Missing device parameters: channel",
        e.getMessage());
  }
}
