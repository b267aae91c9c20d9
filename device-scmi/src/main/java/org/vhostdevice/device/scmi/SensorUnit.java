// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

/** SCMI sensor unit codes (SCMI spec, "Sensor unit types") used by this daemon. */
final class SensorUnit {
  static final int NONE = 0;
  static final int UNSPECIFIED = 1;
  static final int DEGREES_C = 2;
  static final int VOLTS = 5;
  static final int AMPS = 6;
  static final int WATTS = 7;
  static final int JOULES = 8;
  static final int LUX = 13;
  static final int METERS = 31;
  static final int RADIANS = 36;
  static final int GAUSS = 45;
  static final int FARADS = 48;
  static final int OHMS = 49;
  static final int SIEMENS = 50;
  static final int PERCENTAGE = 65;
  static final int PASCALS = 66;
  static final int RADIANS_PER_SECOND = 87;
  static final int METERS_PER_SECOND_SQUARED = 89;
  static final int METERS_PER_SECOND = 90;

  /** The unit exponent is a 5-bit two's complement field: -16..15. */
  static final int MIN_EXPONENT = -16;
  static final int MAX_EXPONENT = 15;

  private SensorUnit() {}

  /** The "sensor unit" word: bits 15:11 the decimal exponent, bits 7:0 the unit code. */
  static int word(int unit, int exponent) {
    return (exponent & 0x1F) << 11 | (unit & 0xFF);
  }
}
