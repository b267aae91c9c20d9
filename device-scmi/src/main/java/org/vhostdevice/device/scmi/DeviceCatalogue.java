// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.nio.file.Path;
import java.util.List;

/** The device kinds {@code -d} accepts, their constructors and the {@code --help-devices} text. */
final class DeviceCatalogue {
  record Kind(String name, String shortHelp, String longHelp, List<String> parameters) {}

  static final List<Kind> KINDS = List.of(
      new Kind(FakeSensor.KIND, "fake accelerometer",
          "A simple 3-axes sensor providing fake pre-defined values. While the guest has the\n"
              + "sensor enabled with update notifications on, it sends an update every\n"
              + "interval-ms milliseconds.",
          List.of("name: an optional name of the sensor, max. 15 characters",
              "interval-ms: optional time between update notifications in ms (default "
                  + FakeSensor.DEFAULT_INTERVAL_MS + ")")),
      new Kind(IioSensor.KIND, "industrial I/O sensor",
          "A sensor of a Linux IIO device, read through sysfs. If the device has a buffer and\n"
              + "a /dev node, the guest can also get update notifications.",
          List.of("path: path to the device directory (e.g. /sys/bus/iio/devices/iio:device0)",
              "channel: prefix of the device type (e.g. in_accel)",
              "name: an optional name of the sensor, max. 15 characters")));

  private DeviceCatalogue() {}

  /**
   * Creates (but does not initialize) the sensor {@code spec} describes; IIO character devices
   * are looked up under {@code devRoot} (normally /dev).
   */
  static Sensor create(DeviceSpec spec, Path devRoot)
      throws UnknownDeviceException, DeviceConfigException {
    return switch (spec.kind()) {
      case FakeSensor.KIND -> FakeSensor.create(spec.properties());
      case IioSensor.KIND -> new IioSensor(spec.properties(), devRoot);
      default -> throw new UnknownDeviceException(spec.kind());
    };
  }

  /** The text of {@code --help-devices}. */
  static String help() {
    StringBuilder b = new StringBuilder("Available devices:\n");
    for (Kind k : KINDS) {
      b.append("\n- ").append(k.name()).append(": ").append(k.shortHelp()).append('\n');
      for (String line : k.longHelp().split("\n")) {
        b.append("  ").append(line).append('\n');
      }
      if (!k.parameters().isEmpty()) {
        b.append("  Parameters:\n");
        for (String p : k.parameters()) {
          b.append("  - ").append(p).append('\n');
        }
      }
    }
    b.append("\nDevice specification example:\n")
        .append("--device iio,path=/sys/bus/iio/devices/iio:device0,channel=in_accel\n");
    return b.toString();
  }
}
