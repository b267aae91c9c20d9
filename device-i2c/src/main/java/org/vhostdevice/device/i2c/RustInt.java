// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

/**
 * Unsigned integers parsed the way Rust's {@code str::parse::<uN>()} does (an optional '+', then
 * decimal digits only), failing with the text of Rust's {@code ParseIntError} Debug output, which
 * is what the Rust daemon prints.
 */
final class RustInt {
  private RustInt() {}

  /** Thrown with Rust's wording, e.g. {@code ParseIntError { kind: InvalidDigit }}. */
  static final class ParseIntError extends Exception {
    private static final long serialVersionUID = 1L;

    ParseIntError(String kind) {
      super("ParseIntError { kind: " + kind + " }");
    }
  }

  static long parseUnsigned(String s, long max) throws ParseIntError {
    String digits = s.startsWith("+") ? s.substring(1) : s;
    if (s.isEmpty()) {
      throw new ParseIntError("Empty");
    }
    if (digits.isEmpty()) {
      throw new ParseIntError("InvalidDigit");
    }
    long v = 0;
    boolean overflow = false;
    for (int i = 0; i < digits.length(); i++) {
      char c = digits.charAt(i);
      if (c < '0' || c > '9') {
        throw new ParseIntError("InvalidDigit");
      }
      if (!overflow) {
        v = v * 10 + (c - '0');
        overflow = v > max;
      }
    }
    if (overflow) {
      throw new ParseIntError("PosOverflow");
    }
    return v;
  }
}
