// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vhost-device-scsi}: the Rust daemon's options, plus {@code --num-queues}. */
@Command(
    name = "vhost-device-scsi",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-scsi: raw image files as the LUNs of target 0.")
public final class ScsiMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ScsiMain.class);
  static final DaemonSpec SPEC = new DaemonSpec("scsi", "scsi");
  static final int MAX_REQUEST_QUEUES = 64;

  @Mixin SocketOptions socket;

  @Option(
      names = {"-r", "--read-only"},
      description = "Open every image read-only and refuse writes (DATA PROTECT sense).")
  boolean readOnly;

  @Option(
      names = "--solid-state",
      description = "Report the disks as non-rotating (solid state) media.")
  boolean solidState;

  @Option(
      names = "--num-queues",
      paramLabel = "N",
      defaultValue = "1",
      description = "Request queues, 1..64, each served by its own thread; set QEMU's"
          + " num_queues to the same value. Default: ${DEFAULT-VALUE}.")
  int numQueues;

  @Parameters(
      paramLabel = "IMAGE",
      arity = "0..*",
      description = "Raw images (sizes a multiple of 512), LUN 0, 1, ... of target 0; at most 256.")
  List<Path> images = new ArrayList<>();

  void validate() throws UsageException {
    if (images.size() > EmulatedTarget.MAX_LUNS) {
      throw new UsageException("More than 256 LUNs aren't currently supported");
    }
    if (numQueues < 1 || numQueues > MAX_REQUEST_QUEUES) {
      throw new UsageException("--num-queues must be 1.." + MAX_REQUEST_QUEUES + ": " + numQueues);
    }
  }

  /** Opens every image; on a failure closes the ones already open. */
  List<FileBackend> openImages() throws IOException {
    List<FileBackend> open = new ArrayList<>();
    try {
      for (Path p : images) {
        open.add(FileBackend.open(p, readOnly, BlockLun.BLOCK_SIZE));
      }
    } catch (IOException e) {
      for (FileBackend b : open) {
        b.close();
      }
      throw e;
    }
    return open;
  }

  static EmulatedTarget target(List<? extends BlockBackend> backends, boolean readOnly,
      boolean solidState) {
    List<BlockLun> luns = new ArrayList<>();
    for (BlockBackend b : backends) {
      luns.add(new BlockLun(b, readOnly, solidState));
    }
    return new EmulatedTarget(luns);
  }

  @Override
  public Integer call() throws Exception {
    validate();
    if (!readOnly) {
      LOG.warn("Images are writable: the guest can change them (use --read-only to refuse writes)");
    }
    List<FileBackend> backends = openImages();
    try {
      EmulatedTarget target = target(backends, readOnly, solidState);
      int queues = numQueues;
      return DaemonMain.serve(new Daemon(SPEC, socket, instance -> new ScsiDevice(target, queues)));
    } finally {
      for (FileBackend b : backends) {
        b.close();
      }
    }
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new ScsiMain(), args));
  }
}
