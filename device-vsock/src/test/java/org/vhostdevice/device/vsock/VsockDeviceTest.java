// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identity of the device (Rust: VhostUserVsockBackend tests). */
class VsockDeviceTest {
  @TempDir Path dir;
  private VmBackend vm;

  @AfterEach
  void close() {
    if (vm != null) {
      vm.close();
    }
  }

  private VsockDevice device(String extra) throws Exception {
    vm = VmBackend.open(VmArgument.parse("guest-cid=42,socket=" + dir.resolve("s") + ",uds-path="
        + dir.resolve("u") + extra), new SiblingRegistry());
    return vm.newSession();
  }

  @Test
  void itIsDevice19WithThreeQueues() throws Exception {
    VsockDevice d = device("");
    assertEquals(19, d.deviceType());
    assertEquals(3, d.numQueues());
  }

  @Test
  void theFeaturesAreTheRustDaemons() throws Exception {
    assertEquals(0x1_6100_0000L, device("").features());
  }

  @Test
  void theMaxQueueSizeIsTheConfiguredOne() throws Exception {
    VsockDevice d = device(",queue-size=2048");
    for (int q = 0; q < 3; q++) {
      assertEquals(2048, d.maxQueueSize(q));
    }
  }

  @Test
  void allQueuesShareOneWorker() throws Exception {
    VsockDevice d = device("");
    assertEquals(d.workerOf(0), d.workerOf(1));
    assertEquals(d.workerOf(1), d.workerOf(2));
  }

  @Test
  void theConfigSpaceIsTheGuestCidLittleEndian() throws Exception {
    VsockDevice d = device("");
    assertEquals(8, d.configSize());
    byte[] cfg = new byte[8];
    d.readConfig(0, cfg);
    assertArrayEquals(new byte[] {42, 0, 0, 0, 0, 0, 0, 0}, cfg);
  }

  @Test
  void aPartialConfigReadReturnsThoseBytes() throws Exception {
    byte[] cfg = new byte[4];
    device("").readConfig(0, cfg);
    assertArrayEquals(new byte[] {42, 0, 0, 0}, cfg);
  }

  @Test
  void theUdsPathIsBoundAndRemovedAgain() throws Exception {
    device("");
    assertTrue(Files.exists(dir.resolve("u")));
    vm.close();
    vm = null;
    assertTrue(Files.notExists(dir.resolve("u")));
  }

  @Test
  void aUdsPathThatCannotBeBoundIsAnError() {
    IOException e = assertThrows(IOException.class, () -> VmBackend.open(VmArgument.parse(
        "socket=/tmp/x.sock,uds-path=/sys/not-here/vm.vsock"), new SiblingRegistry()));
    assertTrue(e.getMessage().contains("/sys/not-here"), e.getMessage());
  }
}
