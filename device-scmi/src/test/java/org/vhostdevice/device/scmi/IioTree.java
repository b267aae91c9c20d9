// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.nio.file.Files;
import java.nio.file.Path;

/** A fake IIO sysfs device directory under a test's temporary directory. */
final class IioTree {
  final Path dir;
  final Path dev;

  IioTree(Path root, String... files) throws Exception {
    dir = Files.createDirectories(root.resolve("sys/bus/iio/devices/iio:device0"));
    dev = Files.createDirectories(root.resolve("dev"));
    for (int i = 0; i + 1 < files.length; i += 2) {
      write(files[i], files[i + 1]);
    }
  }

  void write(String file, String content) throws Exception {
    Path p = dir.resolve(file);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  String read(String file) throws Exception {
    return Files.readString(dir.resolve(file));
  }

  IioSensor sensor(String channel, String name) throws Exception {
    DeviceProperties props = name == null
        ? DeviceProperties.of("path", dir.toString(), "channel", channel)
        : DeviceProperties.of("path", dir.toString(), "channel", channel, "name", name);
    return new IioSensor(props, dev);
  }

  IioSensor initialized(String channel) throws Exception {
    IioSensor s = sensor(channel, null);
    s.initialize();
    return s;
  }
}
