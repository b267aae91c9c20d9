// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.MultiSocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vhost-device-can}: the Rust daemon's options, plus simulated buses for testing. */
@Command(
    name = "vhost-device-can",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-can: guests use host SocketCAN interfaces.")
public final class CanMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("can", "can");

  @Mixin MultiSocketOptions socket;

  @Option(
      names = {"-d", "--can-devices"},
      paramLabel = "\"IF0 IF1 ...\"",
      description = "Host CAN interfaces, whitespace-separated; socket i uses interface i. "
          + "They must exist and be up.")
  String canDevices;

  @Option(
      names = "--simulate",
      description = {
        "FOR TESTING ONLY: the interface names are simulated CAN FD buses inside the daemon",
        "(no SocketCAN); guests on the same name receive each other's frames."
      })
  boolean simulate;

  @Spec CommandSpec spec;

  private boolean capabilitiesOnly() {
    return spec != null && spec.commandLine().getParseResult() != null
        && spec.commandLine().getParseResult().hasMatchedOption("--print-capabilities");
  }

  /** The interface names, checked against the socket count with the Rust daemon's messages. */
  List<String> interfaces() throws UsageException {
    if (canDevices == null) {
      throw new UsageException("Missing required option: '--can-devices=\"IF0 IF1 ...\"'");
    }
    int count = socket.socketCount();
    if (count < 1) {
      throw new UsageException("Invalid socket count: " + count);
    }
    List<String> names = new ArrayList<>();
    for (String n : canDevices.trim().split("\\s+")) {
      if (!n.isEmpty()) {
        names.add(n);
      }
    }
    if (names.size() != count) {
      throw new UsageException("Invalid socket count: " + count);
    }
    return names;
  }

  CanBus.Opener opener() {
    return simulate ? new SimulatedCanNetwork(true) : SocketCanBus::open;
  }

  /** Every interface must open now, so a typo fails the start rather than the first guest. */
  static void checkInterfaces(List<String> names, CanBus.Opener opener) throws IOException {
    for (String n : names) {
      try (CanBus b = opener.open(n)) {
        b.name();
      } catch (IOException e) {
        throw new IOException("Could not find can devices: " + n + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    if (capabilitiesOnly()) {
      return DaemonMain.serve(new Daemon(SPEC, socket, i -> {
        throw new IOException("not serving");
      }));
    }
    List<String> names = interfaces();
    CanBus.Opener opener = opener();
    checkInterfaces(names, opener);
    return DaemonMain.serve(new Daemon(SPEC, socket,
        instance -> VirtioCanDevice.probe(names.get(instance), opener)));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new CanMain(), args));
  }
}
