// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;
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

/** {@code vhost-device-spi}: the Rust daemon's options, plus a simulated spidev for testing. */
@Command(
    name = "vhost-device-spi",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-spi: guests drive a host SPI device (spidev).")
public final class SpiMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("spi", "spi");

  @Mixin MultiSocketOptions socket;

  @Option(
      names = {"-l", "-d", "--device"},
      paramLabel = "PATH",
      description = "SPI device file, e.g. /dev/spidev0.0 (all sockets share it).")
  Path device;

  @Option(
      names = "--simulate",
      description = {
        "FOR TESTING ONLY: serve a simulated spidev (no hardware; MOSI looped back to MISO,",
        "so a transfer receives what it sends) instead of --device."
      })
  boolean simulate;

  @Spec CommandSpec spec;

  /** True for --print-capabilities, which needs no device (the core prints and exits). */
  private boolean capabilitiesOnly() {
    return spec != null && spec.commandLine().getParseResult() != null
        && spec.commandLine().getParseResult().hasMatchedOption("--print-capabilities");
  }

  /** Checks the options; returns how each connection opens its spidev. */
  Spidev.Opener opener() throws UsageException {
    if (socket.socketCount() < 1) {
      throw new UsageException("Invalid socket count: " + socket.socketCount());
    }
    if (simulate == (device != null)) {
      throw new UsageException(simulate ? "--simulate and --device exclude each other"
          : "Missing required option: '--device=PATH'");
    }
    if (simulate) {
      // One simulated device for the whole daemon, opened like a device file: every open is a
      // handle of its own, and the settings persist between opens as on a real spidev.
      SimulatedSpidev shared = new SimulatedSpidev(SimulatedSpidev.Controller.demo());
      return () -> new Spidev() {
        private volatile boolean closed;

        @Override
        public void ioctl(long request, MemorySegment arg) throws IOException {
          if (closed) {
            throw new NativeException("ioctl(" + SpiIoc.name(request) + ")", Errno.EBADF);
          }
          shared.ioctl(request, arg);
        }

        @Override
        public void close() {
          closed = true;
        }
      };
    }
    Path path = device;
    return () -> LinuxSpidev.open(path);
  }

  @Override
  public Integer call() throws Exception {
    if (capabilitiesOnly()) {
      return DaemonMain.serve(new Daemon(SPEC, socket, instance -> {
        throw new IOException("not serving");
      }));
    }
    Spidev.Opener opener = opener();
    // Every guest (socket) and connection shares the spidev, so they share one bus lock.
    ReentrantLock busLock = new ReentrantLock();
    try {
      VirtioSpiDevice.probe(opener, busLock);
    } catch (IOException e) {
      throw new IOException("SPI device file doesn't exists or can't be accessed: "
          + e.getMessage(), e);
    }
    return DaemonMain.serve(new Daemon(SPEC, socket,
        instance -> VirtioSpiDevice.probe(opener, busLock)));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new SpiMain(), args));
  }
}
