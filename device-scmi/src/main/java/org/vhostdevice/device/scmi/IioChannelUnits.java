// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.util.Map;

/**
 * SCMI units of Linux IIO channels (Documentation/ABI/testing/sysfs-bus-iio): the unit code and
 * the decimal exponent that turns the IIO unit into the SCMI one (-3: IIO reports milliamps,
 * SCMI wants amps). Channels whose conversion is more than a power of ten (degrees to radians,
 * ...) are left out and reported as "unspecified" with exponent 0, as in the Rust daemon.
 */
final class IioChannelUnits {
  record Unit(int code, int exponent) {}

  static final Unit UNSPECIFIED = new Unit(SensorUnit.UNSPECIFIED, 0);

  private static final Map<String, Unit> UNITS = Map.ofEntries(
      Map.entry("in_accel", new Unit(SensorUnit.METERS_PER_SECOND_SQUARED, 0)),
      Map.entry("in_angle", new Unit(SensorUnit.RADIANS, 0)),
      Map.entry("in_anglvel", new Unit(SensorUnit.RADIANS_PER_SECOND, 0)),
      Map.entry("in_concentration", new Unit(SensorUnit.PERCENTAGE, 0)),
      Map.entry("in_current", new Unit(SensorUnit.AMPS, -3)),
      Map.entry("in_capacitance", new Unit(SensorUnit.FARADS, -9)),
      Map.entry("in_distance", new Unit(SensorUnit.METERS, 0)),
      Map.entry("in_electricalconductivity", new Unit(SensorUnit.SIEMENS, 0)),
      Map.entry("in_energy", new Unit(SensorUnit.JOULES, 0)),
      Map.entry("in_gravity", new Unit(SensorUnit.METERS_PER_SECOND_SQUARED, 0)),
      Map.entry("in_humidityrelative", new Unit(SensorUnit.PERCENTAGE, -3)),
      Map.entry("in_illuminance", new Unit(SensorUnit.LUX, 0)),
      Map.entry("in_magn", new Unit(SensorUnit.GAUSS, 0)),
      // SCMI has no pH unit.
      Map.entry("in_ph", new Unit(SensorUnit.UNSPECIFIED, -3)),
      Map.entry("in_positionrelative", new Unit(SensorUnit.PERCENTAGE, -3)),
      Map.entry("in_power", new Unit(SensorUnit.WATTS, -3)),
      Map.entry("in_pressure", new Unit(SensorUnit.PASCALS, 3)),
      Map.entry("in_proximity", new Unit(SensorUnit.METERS, 0)),
      Map.entry("in_resistance", new Unit(SensorUnit.OHMS, 0)),
      Map.entry("in_temp", new Unit(SensorUnit.DEGREES_C, -3)),
      Map.entry("in_velocity_sqrt(x^2+y^2+z^2)", new Unit(SensorUnit.METERS_PER_SECOND, -3)),
      Map.entry("in_voltage", new Unit(SensorUnit.VOLTS, -3)));

  private IioChannelUnits() {}

  /** The unit of the IIO channel prefix {@code channel} (e.g. "in_accel"). */
  static Unit of(String channel) {
    return UNITS.getOrDefault(channel, UNSPECIFIED);
  }
}
