// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/** The packaged launcher as a process: start, serve, exit statuses. */
class ScmiDaemonIT {
  @TempDir Path dir;

  private static Process run(Path log, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = DaemonProcess.launcher().toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return p;
  }

  @Test
  void withStdoutInAFileTheFakeSensorServesReadingsAndNotifications() throws Exception {
    // DaemonProcess sends stdout to a regular file: the Rust daemon panics at start there.
    Path sock = dir.resolve("scmi.sock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("log"), "-s", sock.toString(),
        "-d", "fake,name=accel,interval-ms=50")) {
      try (ScmiSession s = new ScmiSession(sock)) {
        long buf = s.ram.alloc(64, 8);
        s.evt.driver().publish(s.evt.driver().addChain(new Buffer(buf, 64, true)));
        s.evt.kick();
        s.ask(SensorProtocol.PROTOCOL_ID, 0xA, 0, 1);
        int[] reading = s.ask(SensorProtocol.PROTOCOL_ID, 6, 0, 0);
        assertEquals(ScmiStatus.SUCCESS, reading[1], d.log());
        assertEquals(reading[2] + 100, reading[6]);
        s.ask(SensorProtocol.PROTOCOL_ID, 0xB, 0, 1);
        UsedElement e = s.evt.awaitUsed(30_000);
        assertNotNull(e, d.log());
        assertEquals(0x5701, s.words(buf, e.len())[0]);
      }
      assertTrue(d.isAlive(), d.log());
      assertEquals(0, d.stop(), "SIGTERM ends the daemon with status 0");
    }
  }

  @Test
  void helpDevicesListsTheKindsAndExitsZero() throws Exception {
    Path log = dir.resolve("help");
    Process p = run(log, "--help-devices");
    assertEquals(0, p.exitValue());
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(out.contains("- fake: fake accelerometer") && out.contains("- iio:"), out);
  }

  @Test
  void aSensorThatCannotBeSetUpExitsOneWithTheReason() throws Exception {
    Path log = dir.resolve("bad");
    Process p = run(log, "-s", dir.resolve("s").toString(), "-d",
        "iio,path=" + dir.resolve("nothing") + ",channel=in_accel");
    assertEquals(1, p.exitValue());
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(out.contains("Error when configuring device iio: I/O error on"), out);
  }

  @Test
  void capabilitiesNameTheScmiType() throws Exception {
    Path log = dir.resolve("caps");
    Process p = run(log, "--print-capabilities");
    assertEquals(0, p.exitValue());
    assertTrue(Files.readString(log).contains("\"type\": \"scmi\""), Files.readString(log));
  }
}
