// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layout of one channel in an IIO buffer scan, as sysfs shows it in {@code
 * scan_elements/<channel>_type}: {@code [be|le]:[s|u]REALBITS/STORAGEBITS[XREPEAT]>>SHIFT}
 * (drivers/iio/industrialio-buffer.c), e.g. {@code le:s16/16>>0}.
 */
record IioScanType(boolean bigEndian, boolean signed, int realBits, int storageBits, int repeat,
    int shift) {
  private static final Pattern FORMAT =
      Pattern.compile("(le|be):([su])(\\d{1,2})/(\\d{1,2})(?:X(\\d{1,3}))?>>(\\d{1,2})");

  /**
   * Parses {@code text} (surrounding whitespace allowed); null if it is not in the kernel's
   * format. The Rust daemon panics on a malformed type file.
   */
  static IioScanType parse(String text) {
    Matcher m = FORMAT.matcher(text.strip());
    if (!m.matches()) {
      return null;
    }
    int real = Integer.parseInt(m.group(3));
    int storage = Integer.parseInt(m.group(4));
    int repeat = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
    int shift = Integer.parseInt(m.group(6));
    return new IioScanType(m.group(1).equals("be"), m.group(2).equals("s"), real, storage, repeat,
        shift);
  }

  /** True if {@link #decode} can read this layout: one 8/16/32/64-bit value per scan. */
  boolean decodable() {
    return repeat <= 1
        && (storageBits == 8 || storageBits == 16 || storageBits == 32 || storageBits == 64)
        && realBits >= 1 && realBits <= storageBits && shift + realBits <= storageBits;
  }

  /** Bytes the element occupies in a scan (it is also aligned to this many bytes). */
  int storageBytes() {
    return storageBits / 8;
  }

  /** The value at {@code offset} of {@code scan}: shifted, masked to realbits, sign-extended. */
  long decode(byte[] scan, int offset) {
    int n = storageBytes();
    long raw = 0;
    for (int i = 0; i < n; i++) {
      int b = scan[offset + (bigEndian ? i : n - 1 - i)] & 0xFF;
      raw = raw << 8 | b;
    }
    raw >>>= shift;
    if (realBits < 64) {
      raw &= (1L << realBits) - 1;
      if (signed && (raw & (1L << (realBits - 1))) != 0) {
        raw |= -1L << realBits;
      }
    }
    return raw;
  }
}
