// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

/**
 * How an IIO scale becomes an SCMI exponent: SCMI values are integers times 10^exponent, so the
 * exponent is chosen from the scale (floor(log10(scale))) to keep the significant digits, then
 * clamped so that unit exponent + custom exponent fits SCMI's 5-bit field (-16..15).
 */
final class IioScaling {
  /** A custom exponent and the scale's leading digits at that exponent (the resolution). */
  record Exponent(int exponent, long resolution) {
    static final Exponent NONE = new Exponent(0, 0);
  }

  private IioScaling() {}

  static Exponent exponentOf(double scale, int unitExponent) {
    if (!(scale > 0) || !Double.isFinite(scale)) {
      // log10 is undefined; the Rust daemon computes garbage or overflows here.
      return Exponent.NONE;
    }
    int exponent = (int) Math.floor(Math.log10(scale));
    double digits = scale < 1 ? scale * Math.pow(10, -exponent) : scale / Math.pow(10, exponent);
    long resolution = (long) digits;
    exponent = Math.min(SensorUnit.MAX_EXPONENT - unitExponent, exponent);
    exponent = Math.max(SensorUnit.MIN_EXPONENT - unitExponent, exponent);
    return new Exponent(exponent, resolution);
  }

  /** Rounds like Rust's f64::round (half away from zero), saturating at the long range. */
  static long roundHalfAwayFromZero(double v) {
    return v < 0 ? -Math.round(-v) : Math.round(v);
  }
}
