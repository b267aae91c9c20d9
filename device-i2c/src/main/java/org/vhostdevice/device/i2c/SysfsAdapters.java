// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds an adapter's bus number from its name, as /sys/bus/i2c/devices/i2c-N/name shows it. Only
 * adapter entries ({@code i2c-N}) are considered: the Rust daemon also matched client entries
 * such as {@code 3-0050} (whose name is the client's) and then derived a wrong bus number.
 */
public final class SysfsAdapters {
  public static final Path DEFAULT_ROOT = Path.of("/sys/bus/i2c/devices");
  private static final Pattern ADAPTER = Pattern.compile("i2c-(\\d+)");

  private final Path root;

  public SysfsAdapters(Path root) {
    this.root = root;
  }

  public int busNumberOf(String name) throws IOException {
    String wanted = name.trim();
    int found = -1;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path entry : entries) {
        Matcher m = ADAPTER.matcher(entry.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        Path nameFile = entry.resolve("name");
        if (!Files.isReadable(nameFile)) {
          continue;
        }
        String adapterName = Files.readString(nameFile, StandardCharsets.UTF_8).trim();
        if (adapterName.equals(wanted)) {
          if (found >= 0) {
            throw new I2cException("Multiple adapters share the same name: " + wanted);
          }
          found = Integer.parseInt(m.group(1));
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new I2cException("Adapter not found: " + wanted + " (no " + root + ")");
    }
    if (found < 0) {
      throw new I2cException("Adapter not found: " + wanted);
    }
    return found;
  }
}
