// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;

/**
 * The chardev backend where this machine has no GPIO chip: the calls reach the kernel and fail
 * with errors that name them.
 */
class LinuxGpioChipTest {
  @TempDir Path dir;

  @Test
  void aMissingChipFailsToOpen() {
    NativeException e = assertThrows(NativeException.class, () -> LinuxGpioChip.open(4242));
    assertEquals("open(/dev/gpiochip4242)", e.call());
    assertEquals(Errno.ENOENT, e.errno());
  }

  @Test
  void aFileThatIsNotAChipFailsTheChipInfoIoctl() throws Exception {
    Path f = Files.writeString(dir.resolve("gpiochip0"), "");
    NativeException e = assertThrows(NativeException.class, () -> LinuxGpioChip.open(f.toString()));
    assertEquals("ioctl(GPIO_GET_CHIPINFO)", e.call());
    assertEquals(Errno.ENOTTY, e.errno());
  }
}
