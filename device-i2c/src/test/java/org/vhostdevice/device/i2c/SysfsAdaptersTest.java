// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapter names looked up in a sysfs-shaped directory. */
class SysfsAdaptersTest {
  @TempDir Path root;

  private void entry(String dir, String name) throws Exception {
    Files.createDirectories(root.resolve(dir));
    Files.writeString(root.resolve(dir).resolve("name"), name + "\n");
  }

  @Test
  void findsTheBusNumberOfANamedAdapter() throws Exception {
    entry("i2c-0", "SMBus I801 adapter at efa0");
    entry("i2c-11", "i915 gmbus dpd");
    assertEquals(11, new SysfsAdapters(root).busNumberOf(" i915 gmbus dpd "));
  }

  @Test
  void clientEntriesAreNotAdapters() throws Exception {
    entry("i2c-3", "DPDDC-D");
    entry("3-0050", "eeprom");
    entry("0-0051", "DPDDC-D"); // a client named like the adapter: Rust would see two matches
    assertEquals(3, new SysfsAdapters(root).busNumberOf("DPDDC-D"));
    assertThrows(I2cException.class, () -> new SysfsAdapters(root).busNumberOf("eeprom"));
  }

  @Test
  void twoAdaptersWithTheSameNameAreAmbiguous() throws Exception {
    entry("i2c-1", "twin");
    entry("i2c-2", "twin");
    String msg = assertThrows(I2cException.class,
        () -> new SysfsAdapters(root).busNumberOf("twin")).getMessage();
    assertTrue(msg.startsWith("Multiple adapters share the same name"), msg);
  }

  @Test
  void anUnknownNameIsNotFound() throws Exception {
    entry("i2c-1", "one");
    assertTrue(assertThrows(I2cException.class, () -> new SysfsAdapters(root).busNumberOf("two"))
        .getMessage().startsWith("Adapter not found"));
  }
}
