// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.MultiSocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vhost-device-i2c}: the Rust daemon's options, plus {@code --simulate} for tests and demos. */
@Command(
    name = "vhost-device-i2c",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-i2c: guests reach host I2C adapters and clients.",
    footer = {"", "Example: -l \"1:32:33,i915 gmbus dpd:80\" gives the guests the clients 0x20 and",
        "0x21 of /dev/i2c-1 and 0x50 of the adapter named \"i915 gmbus dpd\"."})
public final class I2cMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("i2c", "i2c");

  @Mixin MultiSocketOptions socket;

  @Option(
      names = {"-l", "--device-list"},
      paramLabel = "LIST",
      description = {"I2C adapters and clients: <bus>:<client_addr>[:<client_addr>]"
          + "[,<bus>:<client_addr>[:<client_addr>]]; <bus> is N of /dev/i2c-N or the adapter's",
          "name in /sys/bus/i2c/devices/i2c-N/name; addresses are decimal 7-bit (32 = 0x20)."})
  String deviceList;

  @Option(
      names = "--simulate",
      description = {"For testing and demos only: serve the listed adapters from memory instead",
          "of /dev/i2c-N. Each listed client is a 256-register device (register pointer set by",
          "a write's first byte, auto-increment, like the kernel's i2c-stub); register r starts",
          "out holding r."})
  boolean simulate;

  /** The Rust daemon's checks, in its order and with its messages. */
  DeviceList validate() throws UsageException {
    if (deviceList == null) {
      // Required, but checked here rather than by picocli: --print-capabilities stands alone.
      throw new UsageException("Missing required option: '--device-list=LIST'");
    }
    if (socket.socketCount() == 0) {
      throw new UsageException("Invalid socket count: 0");
    }
    Path path = socket.socketPath();
    if (path != null) {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null && !Files.exists(parent)) {
        throw new UsageException("Invalid path `" + path + "` given: Parent directory `" + parent
            + "` does not exist.");
      }
      if (parent != null && !Files.isDirectory(parent)) {
        throw new UsageException("Invalid path `" + path + "` given: `" + parent
            + "` is a file, not a directory.");
      }
    }
    return DeviceList.parse(deviceList);
  }

  /** Opens the adapters (before any socket, so a bad list fails the start). */
  I2cMap openAdapters(DeviceList list, SysfsAdapters sysfs) throws IOException {
    int[] next = {0};
    try {
      return I2cMap.open(list, cfg -> {
        if (simulate) {
          return new SimulatedI2cBus(cfg.byName() ? next[0]++ : (int) cfg.number(), cfg.clients());
        }
        int bus = cfg.byName() ? sysfs.busNumberOf(cfg.name()) : (int) cfg.number();
        return LinuxI2cBus.open(bus);
      });
    } catch (IOException e) {
      throw new IOException("Low level I2c failure: " + e.getMessage(), e);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (socket.printCapabilities()) {
      return DaemonMain.serve(new Daemon(SPEC, socket, instance -> {
        throw new IllegalStateException("capabilities only");
      }));
    }
    DeviceList list = validate();
    I2cMap map = openAdapters(list, new SysfsAdapters(SysfsAdapters.DEFAULT_ROOT));
    return DaemonMain.serve(new Daemon(SPEC, socket, instance -> new I2cDevice(map)));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new I2cMain(), args));
  }
}
