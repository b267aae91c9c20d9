// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vhost-device-video}: the command line of the virtio-video decoder daemon. */
@Command(
    name = "vhost-device-video",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for the virtio-video decoder (v3 proposal, staging).")
public final class VideoMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("video", "video");
  static final Path DEFAULT_DEVICE = Path.of("/dev/video0");

  /** The host backends. */
  enum BackendKind {
    NULL("null"),
    V4L2_DECODER("v4l2-decoder"),
    /** Test-only: the in-memory FakeV4l2Decoder through the V4L2 backend (see README). */
    TEST_FAKE_DECODER("test-fake-decoder");

    final String cliName;

    BackendKind(String cliName) {
      this.cliName = cliName;
    }

    static BackendKind parse(String s) throws UsageException {
      for (BackendKind k : values()) {
        if (k.cliName.equals(s)) {
          return k;
        }
      }
      throw new UsageException("invalid value '" + s + "' for '--backend <BACKEND>': "
          + "possible values: null, v4l2-decoder");
    }
  }

  @Mixin SocketOptions socket;


  @Option(names = {"-d", "--v4l2-device"}, paramLabel = "PATH",
      description = "Path to the V4L2 device node (default: ${DEFAULT-VALUE}).")
  Path v4l2Device = DEFAULT_DEVICE;

  @Option(names = {"-b", "--backend"}, paramLabel = "BACKEND",
      description = "Video backend: null or v4l2-decoder (required).")
  String backend;

  /** Checks the options and says which backend to build. */
  BackendKind validate() throws UsageException {
    if (backend == null) {
      throw new UsageException("the following required argument was not provided: "
          + "--backend <BACKEND>");
    }
    BackendKind kind = BackendKind.parse(backend);
    // The null backend never looks at the device path (the Rust one creates/truncates it).
    if (kind == BackendKind.V4L2_DECODER
        && !(Files.isReadable(v4l2Device) && Files.isWritable(v4l2Device))) {
      throw new UsageException("Video device file doesn't exists or can't be accessed: "
          + v4l2Device);
    }
    return kind;
  }

  @Override
  public Integer call() throws Exception {
    // QEMU runs --print-capabilities without any other option, so --backend is checked here
    // rather than by picocli.
    if (socket.printCapabilities()) {
      return DaemonMain.serve(new Daemon(SPEC, socket, instance -> {
        throw new IllegalStateException("capabilities only");
      }));
    }
    BackendKind kind = validate();
    return DaemonMain.serve(new Daemon(SPEC, socket, instance -> new VideoDevice(
        Backends.create(kind, v4l2Device))));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new VideoMain(), args));
  }
}
