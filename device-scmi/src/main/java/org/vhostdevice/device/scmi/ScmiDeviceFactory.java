// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.vhostuser.device.DeviceFactory;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * Creates a fresh SCMI device, with fresh sensors, for every frontend connection (as the Rust
 * daemon recreates its backend per connection): a reconnecting guest finds every sensor disabled.
 */
final class ScmiDeviceFactory implements DeviceFactory {
  private final List<DeviceSpec> specs;
  private final Path devRoot;

  ScmiDeviceFactory(List<DeviceSpec> specs, Path devRoot) {
    this.specs = List.copyOf(specs);
    this.devRoot = devRoot;
  }

  /** Sets up every sensor; on failure closes those already set up. */
  List<Sensor> sensors() throws IOException {
    List<Sensor> out = new ArrayList<>();
    DeviceSpec current = null;
    try {
      for (DeviceSpec spec : specs) {
        current = spec;
        Sensor s = DeviceCatalogue.create(spec, devRoot);
        out.add(s);
        s.initialize();
      }
      return out;
    } catch (UnknownDeviceException e) {
      out.forEach(Sensor::close);
      throw new IOException(e.getMessage(), e);
    } catch (DeviceConfigException e) {
      out.forEach(Sensor::close);
      throw new IOException(
          "Error when configuring device " + current.kind() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      out.forEach(Sensor::close);
      throw e;
    }
  }

  /** Checks at start-up that every sensor can be set up, so errors show before serving. */
  void check() throws IOException {
    sensors().forEach(Sensor::close);
  }

  @Override
  public VirtioDevice create(int instance) throws IOException {
    List<Sensor> sensors = sensors();
    try {
      return new ScmiDevice(sensors);
    } catch (IOException | RuntimeException e) {
      sensors.forEach(Sensor::close);
      throw e;
    }
  }
}
