// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;

/** The real spidev boundary, on what this machine has: files that are not spidevs. */
class LinuxSpidevTest {
  @TempDir Path dir;

  @Test
  void aMissingDeviceFailsToOpenWithENOENT() {
    NativeException e = assertThrows(NativeException.class,
        () -> LinuxSpidev.open(dir.resolve("spidev9.9")));
    assertEquals(Errno.ENOENT, e.errno());
    assertTrue(e.getMessage().startsWith("open("), e.getMessage());
  }

  @Test
  void everyIoctlOnARegularFileFailsWithENOTTY() throws Exception {
    Path file = Files.write(dir.resolve("not-a-spidev"), new byte[16]);
    try (SpidevOps ops = new SpidevOps(LinuxSpidev.open(file))) {
      NativeException e = assertThrows(NativeException.class, ops::mode);
      assertEquals(Errno.ENOTTY, e.errno());
      assertTrue(e.getMessage().contains("SPI_IOC_RD_MODE32"), e.getMessage());
    }
  }

  @Test
  void probingARegularFileFailsAtTheFirstRead() throws Exception {
    Path file = Files.write(dir.resolve("not-a-spidev"), new byte[16]);
    NativeException e = assertThrows(NativeException.class,
        () -> VirtioSpiDevice.probe(() -> LinuxSpidev.open(file), new ReentrantLock()));
    assertTrue(e.getMessage().contains("SPI_IOC_RD_MAX_SPEED_HZ"), e.getMessage());
  }

  private static long openFds() throws Exception {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  @Test
  void aFailedProbeLeavesNoDescriptorOpen() throws Exception {
    Path file = Files.write(dir.resolve("not-a-spidev"), new byte[16]);
    long before = openFds();
    for (int i = 0; i < 5; i++) {
      assertThrows(NativeException.class,
          () -> VirtioSpiDevice.probe(() -> LinuxSpidev.open(file), new ReentrantLock()));
    }
    assertEquals(before, openFds());
  }

  @Test
  void theSpidevIsOpenExactlyWhileTheQueueRuns() throws Exception {
    Path file = Files.write(dir.resolve("spidev-stand-in"), new byte[16]);
    VirtioSpiDevice d = new VirtioSpiDevice(FakeSpidev.DUMMY_CONFIG,
        () -> LinuxSpidev.open(file), new ReentrantLock());
    long before = openFds();
    d.queueStarted(0, null);
    assertEquals(before + 1, openFds());
    d.queueStopped(0);
    assertEquals(before, openFds());
  }

  @Test
  void aClosedDeviceRefusesIoctlsWithoutTouchingTheFdNumber() throws Exception {
    Path file = Files.write(dir.resolve("f"), new byte[1]);
    LinuxSpidev dev = LinuxSpidev.open(file);
    dev.close();
    SpidevOps ops = new SpidevOps(dev);
    assertEquals(Errno.EBADF, assertThrows(NativeException.class, ops::mode).errno());
    ops.close();
  }
}
