// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

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

/**
 * {@code vhost-device-vsock}: the Rust daemon's three ways to describe VMs — individual flags
 * (one VM), repeatable {@code --vm}, or a YAML {@code --config} file — checked in the same
 * precedence. One process serves every VM, each on its own vhost-user socket.
 */
@Command(
    name = "vhost-device-vsock",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for virtio-vsock: guests reach host programs through Unix "
        + "sockets (hybrid vsock), other VMs of this daemon, or AF_VSOCK.")
public final class VsockMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("vsock", "vsock");

  @Mixin SocketOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--guest-cid", paramLabel = "CID",
      description = "Context identifier of the guest (default 3).")
  Long guestCid;

  @Option(names = "--socket", paramLabel = "PATH",
      description = "vhost-user Unix socket for the frontend (required with individual flags).")
  Path socket;

  @Option(names = "--uds-path", paramLabel = "PATH",
      description = "Hybrid-vsock Unix socket: host programs connect here and send "
          + "'CONNECT <port>'; guest connections go to PATH_<port>.")
  Path udsPath;

  @Option(names = "--forward-cid", paramLabel = "CID",
      description = "Forward guest connections to this AF_VSOCK CID instead of --uds-path.")
  Long forwardCid;

  @Option(names = "--forward-listen", paramLabel = "P1+P2",
      description = "Host AF_VSOCK ports whose connections go to the guest (with --forward-cid).")
  String forwardListen;

  @Option(names = "--tx-buffer-size", paramLabel = "BYTES",
      description = "Per-connection buffer for host-bound data, advertised as buf_alloc "
          + "(default 65536).")
  Long txBufferSize;

  @Option(names = "--queue-size", paramLabel = "N",
      description = "Largest virtqueue the frontend may configure, a power of two (default 1024).")
  Long queueSize;

  @Option(names = "--groups", paramLabel = "G1+G2",
      description = "Sibling groups: VMs of this daemon sharing a group reach each other "
          + "(default 'default').")
  String groups;

  @Option(names = "--vm", paramLabel = "KEY=VALUE,...",
      description = "One VM: guest-cid, socket, uds-path, forward-cid, forward-listen, "
          + "tx-buffer-size, queue-size, groups ('_' or '-'). Repeatable.")
  List<String> vms;

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML file with a 'vms' list of VMs (same keys).")
  Path config;

  private boolean anyFlag() {
    return guestCid != null || socket != null || udsPath != null || forwardCid != null
        || forwardListen != null || txBufferSize != null || queueSize != null || groups != null;
  }

  /** The VMs the options describe: --config, then --vm, then the individual flags. */
  List<VmConfig> resolve() throws UsageException {
    if (common.socketPath() != null
        || spec.commandLine().getParseResult().hasMatchedOption("--socket-fd")) {
      throw new UsageException("vsock takes its sockets from --socket, --vm or --config, not "
          + "--socket-path/--socket-fd");
    }
    boolean haveVms = vms != null && !vms.isEmpty();
    try {
      if (config != null) {
        if (haveVms || anyFlag()) {
          throw new UsageException("--config cannot be used with --vm or the individual flags");
        }
        return checkUnique(ConfigFile.read(config));
      }
      if (haveVms) {
        if (anyFlag()) {
          throw new UsageException("--vm cannot be used with the individual flags");
        }
        List<VmConfig> out = new ArrayList<>();
        for (String vm : vms) {
          out.add(VmArgument.parse(vm));
        }
        return checkUnique(out);
      }
      if (!anyFlag()) {
        throw new UsageException("No arguments provided");
      }
      VmConfig.Builder b = new VmConfig.Builder();
      b.guestCid = guestCid;
      b.socket = socket;
      b.udsPath = udsPath;
      b.forwardCid = forwardCid;
      b.forwardListen = forwardListen;
      b.txBufferSize = txBufferSize;
      b.queueSize = queueSize;
      b.groups = groups;
      return List.of(b.build());
    } catch (VmConfigException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** Two VMs on one vhost-user socket would never both be served. */
  private static List<VmConfig> checkUnique(List<VmConfig> vms) throws VmConfigException {
    for (int i = 0; i < vms.size(); i++) {
      for (int j = i + 1; j < vms.size(); j++) {
        if (vms.get(i).socket().equals(vms.get(j).socket())) {
          throw new VmConfigException("socket " + vms.get(i).socket() + " is given twice");
        }
      }
    }
    return vms;
  }

  @Override
  public Integer call() throws Exception {
    if (spec.commandLine().getParseResult().hasMatchedOption("--print-capabilities")) {
      return Daemon.withSocketPaths(SPEC, common, List.of(), i -> null).run(System.out);
    }
    List<VmConfig> configs = resolve();
    VsockService service = VsockService.open(configs);
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(service::close));
    return DaemonMain.serve(
        Daemon.withSocketPaths(SPEC, common, service.socketPaths(), service.factory()));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new VsockMain(), args));
  }
}
