// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vhost-device-gpu}: the Rust daemon's options, plus the {@code 2d} and {@code null} modes. */
@Command(
    name = "vhost-device-gpu",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-gpu, shown on the frontend's display.")
public final class GpuMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("gpu", "gpu");

  @Mixin SocketOptions socket;

  @Spec CommandSpec spec;

  @Option(
      names = {"-g", "--gpu-mode"},
      paramLabel = "MODE",
      converter = ModeConverter.class,
      description = "Renderer: virglrenderer (3D, alias virgl-renderer), 2d (software, no GPU "
          + "library), null (answer commands, show nothing), gfxstream (not packaged).")
  GpuMode mode;

  @Option(
      names = {"-c", "--capset"},
      split = ",",
      paramLabel = "CAPSET",
      converter = CapsetConverter.class,
      description = "Comma-separated capsets: virgl, virgl2, gfxstream-vulkan, gfxstream-gles. "
          + "Default: every capset of the mode (none for 2d and null).")
  List<Capset> capsets;

  @Option(names = "--use-egl", arity = "1", defaultValue = "true", paramLabel = "BOOL",
      description = "Renderer uses EGL. Default: ${DEFAULT-VALUE}.")
  boolean useEgl;

  @Option(names = "--use-glx", arity = "1", defaultValue = "false", paramLabel = "BOOL",
      description = "Renderer uses GLX. Default: ${DEFAULT-VALUE}.")
  boolean useGlx;

  @Option(names = "--use-gles", arity = "1", defaultValue = "true", paramLabel = "BOOL",
      description = "Renderer uses GLES. Default: ${DEFAULT-VALUE}.")
  boolean useGles;

  @Option(names = "--use-surfaceless", arity = "1", defaultValue = "true", paramLabel = "BOOL",
      description = "Renderer uses surfaceless EGL. Default: ${DEFAULT-VALUE}.")
  boolean useSurfaceless;

  @Option(names = "--display-timeout-ms", defaultValue = "5000", paramLabel = "MS",
      description = "Longest wait for the display peer (QEMU) to take or answer a message; a "
          + "peer that misses it is dropped and the command fails. Default: ${DEFAULT-VALUE}.")
  long displayTimeoutMs;

  static final class ModeConverter implements ITypeConverter<GpuMode> {
    @Override
    public GpuMode convert(String value) {
      return GpuMode.parse(value);
    }
  }

  static final class CapsetConverter implements ITypeConverter<Capset> {
    @Override
    public Capset convert(String value) {
      return Capset.parse(value);
    }
  }

  /** The checked configuration, or a usage error with the Rust daemon's message. */
  GpuConfig config() throws UsageException {
    if (mode == null) {
      // Required as in the Rust daemon; checked here so --print-capabilities works without it.
      throw new UsageException("Missing required option: '--gpu-mode=MODE'");
    }
    if (displayTimeoutMs < 1) {
      throw new UsageException("--display-timeout-ms must be at least 1");
    }
    Set<Capset> requested = capsets == null ? null
        : capsets.isEmpty() ? EnumSet.noneOf(Capset.class) : EnumSet.copyOf(capsets);
    GpuConfig c;
    try {
      c = GpuConfig.of(mode, requested, useEgl, useGlx, useGles, useSurfaceless,
          java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(displayTimeoutMs));
    } catch (GpuConfig.InvalidConfigException e) {
      throw new UsageException(e.getMessage());
    }
    switch (mode) {
      case GFXSTREAM -> throw new UsageException("--gpu-mode gfxstream: gfxstream is not "
          + "available (no gfxstream backend library is packaged); use --gpu-mode 2d");
      default -> { }
    }
    return c;
  }

  @Override
  public Integer call() throws Exception {
    if (mode == null && spec != null
        && spec.commandLine().getParseResult().hasMatchedOption("--print-capabilities")) {
      return DaemonMain.serve(new Daemon(SPEC, socket, instance -> {
        throw new java.io.IOException("no --gpu-mode");
      }));
    }
    GpuConfig c = config();
    if (c.mode() == GpuMode.VIRGLRENDERER) {
      // Started before the socket is offered: a renderer that cannot start is a startup error.
      VirglRenderer renderer;
      try {
        renderer = VirglRenderer.start(c);
      } catch (VirglRenderer.VirglUnavailableException e) {
        throw new java.io.IOException("--gpu-mode virglrenderer: " + e.getMessage(), e);
      }
      return DaemonMain.serve(new Daemon(SPEC, socket, instance -> new GpuDevice(c, renderer)));
    }
    return DaemonMain.serve(new Daemon(SPEC, socket, instance -> new GpuDevice(c)));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new GpuMain(), args));
  }
}
