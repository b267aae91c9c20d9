// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

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
import picocli.CommandLine.Option;

/** {@code vhost-device-gpio}: the Rust daemon's options and messages. */
@Command(
    name = "vhost-device-gpio",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-gpio: guests drive host GPIO lines.",
    footer = {"", "Each entry of the device list is N for /dev/gpiochipN or sN for a simulated",
        "chip with N lines (lines wired in pairs: 0-1, 2-3, ...). Example: -c 4 -l 3:s4:6:s1"})
public final class GpioMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("gpio", "gpio");

  @Mixin MultiSocketOptions socket;

  @Option(
      names = {"-l", "--device-list"},
      paramLabel = "LIST",
      description = "GPIO devices, one per guest: [s]<N1>[:[s]<N2>]...")
  String deviceList;

  /** One entry of -l: a host chip number, or a simulated chip's line count. */
  record Entry(boolean simulated, long number) {}

  /** The Rust daemon's checks, in its order and with its messages. */
  List<Entry> validate() throws UsageException {
    if (deviceList == null) {
      // Required, but checked here rather than by picocli: --print-capabilities stands alone.
      throw new UsageException("Missing required option: '--device-list=LIST'");
    }
    if (socket.socketCount() == 0) {
      throw new UsageException("Invalid socket count: 0");
    }
    List<Entry> entries = new ArrayList<>();
    for (String item : deviceList.split(":", -1)) {
      boolean sim = item.startsWith("s");
      long n;
      try {
        n = RustInt.parseUnsigned(sim ? item.substring(1) : item, 0xFFFF_FFFFL);
      } catch (RustInt.ParseIntError e) {
        throw new UsageException("Failed while parsing to integer: " + e.getMessage());
      }
      if (sim && (n == 0 || n > 0xFFFF)) {
        throw new UsageException("Invalid simulated gpio device: s" + n
            + " (a chip has 1 to 65535 lines)");
      }
      Entry e = new Entry(sim, n);
      if (!sim && entries.contains(e)) {
        throw new UsageException("Duplicate device detected: " + n);
      }
      entries.add(e);
    }
    if (entries.size() != socket.socketCount()) {
      throw new UsageException("Socket count (" + socket.socketCount()
          + ") doesn't match device count " + entries.size());
    }
    return entries;
  }

  /** Opens the chip of one entry; the Rust daemon's message on failure. */
  static GpioController open(Entry e) throws IOException {
    GpioChip chip;
    try {
      chip = e.simulated() ? new SimulatedGpioChip((int) e.number())
          : LinuxGpioChip.open((int) e.number());
    } catch (IOException ex) {
      throw new IOException("Could not open gpio device: " + ex.getMessage(), ex);
    }
    return new GpioController(chip);
  }

  @Override
  public Integer call() throws Exception {
    if (socket.printCapabilities()) {
      return DaemonMain.serve(new Daemon(SPEC, socket, instance -> {
        throw new IllegalStateException("capabilities only");
      }));
    }
    List<Entry> entries = validate();
    // Each socket keeps its chip open across guests; every new connection starts it afresh.
    List<GpioController> controllers = new ArrayList<>();
    try {
      for (Entry e : entries) {
        controllers.add(open(e));
      }
    } catch (IOException e) {
      controllers.forEach(c -> c.chip().close());
      throw new IOException("Fatal error starting backend: " + e.getMessage(), e);
    }
    return DaemonMain.serve(new Daemon(SPEC, socket,
        instance -> new GpioDevice(controllers.get(instance))));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new GpioMain(), args));
  }
}
