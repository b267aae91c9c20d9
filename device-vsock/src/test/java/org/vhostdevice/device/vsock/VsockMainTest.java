// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The three input modes, their precedence and their errors. */
class VsockMainTest {
  @TempDir Path dir;

  private static List<VmConfig> resolve(String... args) throws UsageException {
    VsockMain main = new VsockMain();
    new CommandLine(main).parseArgs(args);
    return main.resolve();
  }

  @Test
  void individualFlagsDescribeOneVm() throws Exception {
    List<VmConfig> vms = resolve("--guest-cid", "7", "--socket", "/tmp/v.sock", "--uds-path",
        "/tmp/v.vsock", "--tx-buffer-size", "8192", "--queue-size", "512", "--groups", "a+b");
    assertEquals(1, vms.size());
    assertEquals(7, vms.get(0).guestCid());
    assertEquals(8192, vms.get(0).txBufferSize());
    assertEquals(512, vms.get(0).queueSize());
  }

  @Test
  void repeatedVmOptionsDescribeSeveralVms() throws Exception {
    List<VmConfig> vms = resolve(
        "--vm", "guest_cid=3,socket=/tmp/a.sock,uds_path=/tmp/a.vsock",
        "--vm", "guest-cid=4,socket=/tmp/b.sock,uds-path=/tmp/b.vsock,groups=x",
        "--vm", "guest-cid=5,socket=/tmp/c.sock,forward-cid=1,queue-size=2048");
    assertEquals(List.of(3L, 4L, 5L), vms.stream().map(VmConfig::guestCid).toList());
  }

  @Test
  void aConfigFileIsRead() throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "vms:\n  - socket: /tmp/s\n    uds_path: /tmp/u\n    guest_cid: 8\n");
    assertEquals(8, resolve("--config", f.toString()).get(0).guestCid());
  }

  @Test
  void configAndVmTogetherAreRefused() {
    assertThrows(UsageException.class,
        () -> resolve("--config", "/tmp/x.yaml", "--vm", "socket=/s,uds-path=/u"));
  }

  @Test
  void vmAndAnIndividualFlagTogetherAreRefused() {
    assertThrows(UsageException.class,
        () -> resolve("--vm", "socket=/s,uds-path=/u", "--guest-cid", "4"));
  }

  @Test
  void configAndAnIndividualFlagTogetherAreRefused() {
    assertThrows(UsageException.class,
        () -> resolve("--config", "/tmp/x.yaml", "--socket", "/s"));
  }

  @Test
  void noInputAtAllIsAnError() {
    UsageException e = assertThrows(UsageException.class, VsockMainTest::resolve);
    assertEquals("No arguments provided", e.getMessage());
  }

  @Test
  void flagsWithoutSocketAreAnError() {
    UsageException e = assertThrows(UsageException.class,
        () -> resolve("--uds-path", "/tmp/u"));
    assertTrue(e.getMessage().contains("socket"), e.getMessage());
  }

  @Test
  void twoVmsOnOneSocketAreRefused() {
    assertThrows(UsageException.class, () -> resolve(
        "--vm", "guest-cid=3,socket=/tmp/a.sock,uds-path=/tmp/a.vsock",
        "--vm", "guest-cid=4,socket=/tmp/a.sock,uds-path=/tmp/b.vsock"));
  }

  @Test
  void aBadConfigFileExitsNonZeroWithTheReason() throws Exception {
    // The Rust daemon prints the error to stdout and exits 0.
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "vms: []\n");
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status;
    try {
      System.setErr(new PrintStream(err, true));
      status = DaemonMain.run(new VsockMain(), new String[] {"--config", f.toString()});
    } finally {
      System.setErr(oldErr);
    }
    assertEquals(2, status);
    assertTrue(err.toString().contains("'vms' is empty"), err.toString());
  }

  @Test
  void aDuplicateCidExitsNonZero() throws Exception {
    int status = DaemonMain.run(new VsockMain(), new String[] {
        "--vm", "guest-cid=3,socket=" + dir.resolve("a.sock") + ",uds-path=" + dir.resolve("a.v"),
        "--vm", "guest-cid=3,socket=" + dir.resolve("b.sock") + ",uds-path=" + dir.resolve("b.v")});
    assertTrue(status != 0, "status " + status);
  }
}
