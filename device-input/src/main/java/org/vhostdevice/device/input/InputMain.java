// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
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
import picocli.CommandLine.Option;

/** {@code vhost-device-input}: the Rust daemon's options plus {@code --no-grab}. */
@Command(
    name = "vhost-device-input",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-input: passes host event devices "
        + "(/dev/input/eventN) to guests; socket PATH<i> serves event device i.")
public final class InputMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("input", "input");

  @Mixin SocketOptions socket;

  @Option(names = {"-e", "--event-list"}, paramLabel = "EVDEV", split = ",",
      description = "Comma-separated event devices, e.g. /dev/input/event14,/dev/input/event15.")
  List<String> events = new ArrayList<>();

  @Option(names = {"-n", "--no-grab"},
      description = "Do not grab the devices: the host keeps receiving their input too.")
  boolean noGrab;

  @Option(names = "--replay", paramLabel = "FILE",
      description = "FOR TESTING ONLY: instead of -e, one virtual device replaying a recording "
          + "of raw input_event records, one SYN_REPORT packet per interval, in a loop.")
  Path replay;

  @Option(names = "--replay-name", paramLabel = "NAME", defaultValue = "vhost-device-input replay",
      description = "FOR TESTING ONLY: the name of the --replay device.")
  String replayName;

  @Option(names = "--replay-interval", paramLabel = "MS", defaultValue = "200",
      description = "FOR TESTING ONLY: pause between replayed packets.")
  long replayIntervalMs;

  void validate() throws UsageException {
    if (replay != null && !events.isEmpty()) {
      throw new UsageException("--replay and --event-list cannot be used together");
    }
    if (replay == null && events.isEmpty()) {
      throw new UsageException("--event-list is required");
    }
    if (replayIntervalMs < 1) {
      throw new UsageException("Invalid replay interval: " + replayIntervalMs);
    }
    int devices = replay != null ? 1 : events.size();
    if (socket.socketPath() == null && devices != 1) {
      throw new UsageException("--socket-fd and socket activation serve one event device");
    }
  }

  /** Socket i of {@code -s base} is {@code base<i>}, as in the Rust daemon. */
  List<Path> socketPaths(int count) {
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      paths.add(Path.of(socket.socketPath().toString() + i));
    }
    return paths;
  }

  /** Where the devices come from: the kernel, or the --replay recording. */
  EvdevIo io() throws IOException {
    return replay != null ? new ReplayEvdevIo(replay, replayName, replayIntervalMs)
        : new LinuxEvdevIo();
  }

  /** The device paths, socket i serving device i. */
  List<String> devices() {
    return replay != null ? List.of(replay.toString()) : events;
  }

  /**
   * Every device is opened once at start so that a wrong path fails now (as in the Rust
   * daemon); each frontend session then opens its device afresh and closes it when it ends.
   */
  static void checkAccess(EvdevIo io, List<String> paths) throws IOException {
    for (String path : paths) {
      try {
        Evdev.open(io, path).close();
      } catch (IOException e) {
        throw new IOException("Event device file doesn't exists or can't be accessed: "
            + e.getMessage(), e);
      }
    }
  }

  /** The daemon, not yet started: used by {@link #call()} and by tests. */
  Daemon daemon(EvdevIo io) {
    List<String> paths = devices();
    boolean grab = !noGrab;
    return socket.socketPath() != null
        ? Daemon.withSocketPaths(SPEC, socket, socketPaths(paths.size()),
            instance -> VirtioInputDevice.open(io, paths.get(instance), grab))
        : new Daemon(SPEC, socket, instance -> VirtioInputDevice.open(io, paths.get(0), grab));
  }

  @Override
  public Integer call() throws Exception {
    if (socket.printCapabilities()) {
      return DaemonMain.serve(daemon(new LinuxEvdevIo()));
    }
    validate();
    EvdevIo io = io();
    checkAccess(io, devices());
    return DaemonMain.serve(daemon(io));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new InputMain(), args));
  }
}
