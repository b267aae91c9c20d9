// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Small reads and writes of IIO sysfs attributes. */
final class IioSysfs {
  private IioSysfs() {}

  /** The attribute's text without surrounding whitespace, or null if the file does not exist. */
  static String readText(Path file) throws IioReadException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      throw new IioReadException("Failed to read IIO data from " + file + ": " + e, e);
    }
  }

  /** An integer attribute (raw values, offsets), or null if absent. */
  static Long readLong(Path file) throws IioReadException {
    String text = readText(file);
    if (text == null) {
      return null;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IioReadException("Failed to parse IIO numeric value from " + file + ": " + text);
    }
  }

  /** A decimal attribute (scales, fractional offsets), or null if absent. */
  static Double readDouble(Path file) throws IioReadException {
    String text = readText(file);
    if (text == null) {
      return null;
    }
    try {
      double d = Double.parseDouble(text);
      if (!Double.isFinite(d)) {
        throw new NumberFormatException("not finite");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IioReadException("Failed to parse IIO numeric value from " + file + ": " + text);
    }
  }

  /** Writes {@code value} to an existing attribute (sysfs files are never created). */
  static void write(Path file, String value) throws IOException {
    Files.writeString(file, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
  }
}
