// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vhost-device-scmi}: the Rust daemon's options ({@code -s}, {@code -d}, ...). */
@Command(
    name = "vhost-device-scmi",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-scmi: SCMI base and sensor management protocols,"
        + " with fake and Linux IIO sensors.")
public final class ScmiMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("scmi", "scmi");

  @Mixin SocketOptions socket;

  @Option(
      names = {"-d", "--device"},
      arity = "1..*",
      paramLabel = "SPEC",
      description = {
        "Device to expose: KIND[,KEY=VALUE]... (repeatable), e.g.",
        "  iio,path=/sys/bus/iio/devices/iio:device0,channel=in_accel",
        "See --help-devices."
      })
  List<String> devices = new ArrayList<>();

  @Option(names = "--help-devices", description = "Print help on available devices and exit.")
  boolean helpDevices;

  @Spec CommandSpec command;

  /** Where IIO character devices live; tests point it at a temporary directory. */
  Path devRoot = IioSensor.DEFAULT_DEV_ROOT;

  /** The {@code -d} arguments, parsed. */
  List<DeviceSpec> deviceSpecs() throws UsageException {
    List<DeviceSpec> out = new ArrayList<>();
    for (String d : devices) {
      DeviceSpec spec = DeviceSpec.parse(d);
      if (DeviceCatalogue.KINDS.stream().noneMatch(k -> k.name().equals(spec.kind()))) {
        throw new UsageException("Unknown device requested: " + spec.kind());
      }
      out.add(spec);
    }
    return out;
  }

  @Override
  public Integer call() throws Exception {
    if (helpDevices) {
      if (socket.socketPath() != null || !devices.isEmpty()) {
        throw new UsageException("--help-devices cannot be used with other options");
      }
      command.commandLine().getOut().print(DeviceCatalogue.help());
      command.commandLine().getOut().flush();
      return 0;
    }
    ScmiDeviceFactory factory = new ScmiDeviceFactory(deviceSpecs(), devRoot);
    if (!socket.printCapabilities()) {
      factory.check();
    }
    return DaemonMain.serve(new Daemon(SPEC, socket, factory));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new ScmiMain(), args));
  }
}
