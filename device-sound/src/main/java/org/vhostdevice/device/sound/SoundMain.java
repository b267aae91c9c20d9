// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.vhostdevice.vhostuser.device.DeviceFactory;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vhost-device-sound}: the Rust daemon's options ({@code --socket}, {@code --backend}). */
@Command(
    name = "vhost-device-sound",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-sound: guest playback and capture through a "
        + "host audio backend.")
public final class SoundMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("sound", "sound");
  /** The PCM the ALSA backend opens, as in the Rust daemon (redirect it in ~/.asoundrc). */
  static final String ALSA_DEVICE = "default";

  /** The Rust daemon's backends (GStreamer came later upstream). */
  enum Backend {
    NULL,
    ALSA,
    PIPEWIRE;
  }

  @Mixin SocketOptions socket;

  @Option(names = "--socket", paramLabel = "PATH",
      description = "vhost-user Unix domain socket path (or --socket-fd).")
  Path socketPath;

  @Option(names = "--backend", paramLabel = "BACKEND",
      converter = BackendConverter.class,
      description = "Audio backend: null, alsa or pipewire (required).")
  Backend backend;

  /** Accepts the Rust spellings (lower case). */
  static final class BackendConverter implements picocli.CommandLine.ITypeConverter<Backend> {
    @Override
    public Backend convert(String value) {
      return switch (value) {
        case "null" -> Backend.NULL;
        case "alsa" -> Backend.ALSA;
        case "pipewire" -> Backend.PIPEWIRE;
        default -> throw new picocli.CommandLine.TypeConversionException(
            "unknown backend '" + value + "' (null, alsa, pipewire)");
      };
    }
  }

  /** One device per connection, each with its own backend (its own PCMs and threads). */
  DeviceFactory factory() throws java.io.IOException {
    return switch (backend) {
      case NULL -> instance -> new SoundDevice(new NullBackend(), System::nanoTime);
      case ALSA -> {
        String why = Alsa.unavailableReason();
        if (why != null) {
          throw new java.io.IOException("the alsa backend cannot start: " + why);
        }
        yield instance -> new SoundDevice(new AlsaBackend(AlsaPcm.opener(ALSA_DEVICE)),
            System::nanoTime);
      }
      case PIPEWIRE -> {
        String why = PipeWire.unavailableReason();
        if (why != null) {
          throw new java.io.IOException("the pipewire backend cannot start: " + why);
        }
        yield instance -> new SoundDevice(new PipeWireBackend(), System::nanoTime);
      }
    };
  }

  Daemon daemon() throws UsageException, java.io.IOException {
    if (optionGiven("--print-capabilities")) {
      return new Daemon(SPEC, socket, instance -> new SoundDevice(new NullBackend(), () -> 0));
    }
    if (socketPath != null && (socket.socketPath() != null || optionGiven("--socket-fd"))) {
      throw new UsageException("--socket cannot be combined with --socket-path or --socket-fd");
    }
    if (socketPath == null && socket.socketPath() == null && !optionGiven("--socket-fd")
        && System.getenv("LISTEN_FDS") == null) {
      throw new UsageException("one of --socket or --socket-fd is required");
    }
    if (backend == null) {
      throw new UsageException("--backend is required (null, alsa, pipewire)");
    }
    DeviceFactory f = factory();
    return socketPath != null
        ? Daemon.withSocketPaths(SPEC, socket, List.of(socketPath), f)
        : new Daemon(SPEC, socket, f);
  }

  private boolean optionGiven(String name) {
    if (spec == null || spec.findOption(name) == null) {
      return false;
    }
    Object v = spec.findOption(name).getValue();
    return v != null && !Boolean.FALSE.equals(v);
  }

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return DaemonMain.serve(daemon());
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new SoundMain(), args));
  }
}
