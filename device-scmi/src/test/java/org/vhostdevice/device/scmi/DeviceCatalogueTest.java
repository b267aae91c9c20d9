// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The --help-devices text and device construction by kind. */
class DeviceCatalogueTest {
  @Test
  void helpListsDevicesDescriptionsAndParameters() {
    String help = DeviceCatalogue.help();
    assertTrue(help.contains("Available devices:\n"), "global label");
    assertTrue(help.contains("fake:"), "sensor name");
    assertTrue(help.contains("fake accelerometer"), "short description");
    assertTrue(help.contains("3-axes sensor"), "long description");
    assertTrue(help.contains("Parameters:\n"), "parameter label");
    assertTrue(help.contains("- name:"), "parameter name");
    assertTrue(help.contains("- iio: industrial I/O sensor"), "iio");
    assertTrue(help.contains("- channel:"), "iio channel");
    assertTrue(help.contains("--device iio,path=/sys/bus/iio/devices/iio:device0,channel=in_accel"));
  }

  @Test
  void fakeKindMakesAFakeSensor() throws Exception {
    assertInstanceOf(FakeSensor.class,
        DeviceCatalogue.create(DeviceSpec.parse("fake,name=x"), Path.of("/dev")));
  }

  @Test
  void iioKindMakesAnIioSensor() throws Exception {
    assertInstanceOf(IioSensor.class, DeviceCatalogue.create(
        DeviceSpec.parse("iio,path=/nonexistent,channel=in_accel"), Path.of("/dev")));
  }

  @Test
  void unknownKindIsRefusedWithTheRustMessage() {
    UnknownDeviceException e = assertThrows(UnknownDeviceException.class,
        () -> DeviceCatalogue.create(DeviceSpec.parse("dummy"), Path.of("/dev")));
    assertEquals("Unknown device requested: dummy", e.getMessage());
  }
}
