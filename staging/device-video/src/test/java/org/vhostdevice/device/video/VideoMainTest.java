// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The command line: the Rust daemon's options, defaults and start-up errors. */
class VideoMainTest {
  @TempDir Path dir;

  private VideoMain parse(String... args) {
    VideoMain m = new VideoMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void deviceDefaultsToDevVideo0() {
    VideoMain m = parse("-s", "/tmp/v.sock", "-b", "null");
    assertEquals(Path.of("/dev/video0"), m.v4l2Device);
  }

  @Test
  void shortAndLongOptions() throws Exception {
    VideoMain m = parse("--socket-path", "/tmp/v.sock", "--v4l2-device", "/dev/video3",
        "--backend", "null");
    assertEquals(Path.of("/dev/video3"), m.v4l2Device);
    assertEquals(VideoMain.BackendKind.NULL, m.validate());
  }

  @Test
  void backendIsRequired() {
    VideoMain m = parse("-s", "/tmp/v.sock");
    assertTrue(assertThrows(UsageException.class, m::validate).getMessage()
        .contains("--backend"));
  }

  @Test
  void unknownBackendIsAUsageError() {
    VideoMain m = parse("-s", "/tmp/v.sock", "-b", "ffmpeg");
    assertTrue(assertThrows(UsageException.class, m::validate).getMessage()
        .contains("null, v4l2-decoder"));
  }

  @Test
  void decoderNeedsAnAccessibleDevice() {
    VideoMain m = parse("-s", "/tmp/v.sock", "-b", "v4l2-decoder", "-d",
        dir.resolve("video9").toString());
    assertTrue(assertThrows(UsageException.class, m::validate).getMessage()
        .startsWith("Video device file doesn't exists or can't be accessed"));
  }

  @Test
  void nullBackendNeverCreatesTheDevicePath() throws Exception {
    Path dev = dir.resolve("video0");
    VideoMain m = parse("-s", "/tmp/v.sock", "-b", "null", "-d", dev.toString());
    assertEquals(VideoMain.BackendKind.NULL, m.validate());
    Backends.create(VideoMain.BackendKind.NULL, dev).close();
    assertFalse(Files.exists(dev));
  }

  @Test
  void printCapabilitiesNeedsNoOtherOption() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.out;
    int rc;
    try {
      System.setOut(new java.io.PrintStream(out, true));
      rc = org.vhostdevice.vhostuser.runtime.DaemonMain.run(new VideoMain(),
          new String[] {"--print-capabilities"});
    } finally {
      System.setOut(old);
    }
    assertEquals(0, rc);
    assertTrue(out.toString().contains("\"type\": \"video\""), out.toString());
  }

  @Test
  void theTestBackendParsesButIsNotAdvertised() throws Exception {
    VideoMain m = parse("-s", "/tmp/v.sock", "-b", "test-fake-decoder");
    assertEquals(VideoMain.BackendKind.TEST_FAKE_DECODER, m.validate());
    String usage = new CommandLine(new VideoMain()).getUsageMessage();
    assertFalse(usage.contains("test-fake-decoder"), usage);
  }
}
