// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.template;

import java.util.concurrent.Callable;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonMain;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code vhost-device-template}: the command line of the template daemon. */
@Command(
    name = "vhost-device-template",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "vhost-user backend for the template (\"foo\") device.")
public final class TemplateMain implements Callable<Integer> {
  static final DaemonSpec SPEC = new DaemonSpec("template", "template");

  @Mixin SocketOptions socket;

  @Override
  public Integer call() throws Exception {
    return DaemonMain.serve(new Daemon(SPEC, socket, instance -> new TemplateDevice()));
  }

  public static void main(String[] args) {
    System.exit(DaemonMain.run(new TemplateMain(), args));
  }
}
