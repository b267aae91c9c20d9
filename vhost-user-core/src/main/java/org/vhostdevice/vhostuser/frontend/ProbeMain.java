// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.protocol.ConfigSpace;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.runtime.ManifestVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vhost-user-probe SOCKET}: what a backend offers, for someone setting up or debugging a
 * VM. Only GET requests are sent, plus the SET_PROTOCOL_FEATURES they need, agreeing to nothing
 * but MQ, CONFIG and CONFIGURE_MEM_SLOTS; no owner is claimed and nothing is configured, so the
 * backend serves its real frontend normally once the probe hangs up.
 */
@Command(
    name = "vhost-user-probe",
    mixinStandardHelpOptions = true,
    versionProvider = ManifestVersion.class,
    description = "Print a vhost-user backend's features, protocol features, queues, memory "
        + "slots and config space.",
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = {"0:probed", "1:cannot connect, or the backend broke the protocol",
        "2:bad arguments"})
public final class ProbeMain implements Callable<Integer> {
  /** What the GETs below need; REPLY_ACK is left out because no acked request is sent. */
  private static final long PROBE_PROTOCOL_FEATURES =
      ProtocolFeatures.MQ | ProtocolFeatures.CONFIG | ProtocolFeatures.CONFIGURE_MEM_SLOTS;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SOCKET", description = "The backend's vhost-user socket.")
  Path socket;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
      description = "Give up when the backend does not answer in time; a backend busy with "
          + "another frontend accepts the connection but answers nothing (default: "
          + "${DEFAULT-VALUE}).")
  int timeoutSeconds;

  private int configSize = 256;

  @Option(names = "--config-size", paramLabel = "N", defaultValue = "256",
      description = "Config space bytes to read first (halved until the backend accepts; "
          + "default: ${DEFAULT-VALUE}, QEMU's limit).")
  void setConfigSize(int n) {
    if (n < 1 || n > ConfigSpace.MAX_END) {
      throw new ParameterException(spec.commandLine(),
          "--config-size must be 1.." + ConfigSpace.MAX_END + ", not " + n);
    }
    configSize = n;
  }

  /** Asks {@code f} everything the probe reports. */
  static ProbeReport probe(Path socket, Frontend f, int configSize) throws IOException {
    long features = f.getFeatures();
    if ((features & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) == 0) {
      // Without bit 30 no other GET is allowed.
      return new ProbeReport(socket, features, -1, -1, -1, null);
    }
    long offered = f.getProtocolFeatures();
    f.setProtocolFeatures(offered & PROBE_PROTOCOL_FEATURES);
    int queues = (offered & ProtocolFeatures.MQ) != 0 ? f.getQueueNum() : -1;
    long slots = (offered & ProtocolFeatures.CONFIGURE_MEM_SLOTS) != 0 ? f.getMaxMemSlots() : -1;
    byte[] config = (offered & ProtocolFeatures.CONFIG) != 0 ? readConfig(f, configSize) : null;
    return new ProbeReport(socket, features, offered, queues, slots, config);
  }

  /**
   * Config space size is not announced by the protocol: read {@code size} bytes, and while the
   * backend answers size 0 (out of range), halve. Empty if not even one byte is accepted.
   */
  static byte[] readConfig(Frontend f, int size) throws IOException {
    for (int n = size; n >= 1; n /= 2) {
      byte[] data = f.getConfig(0, n);
      if (data.length == n) {
        return data;
      }
    }
    return new byte[0];
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AtomicBoolean timedOut = new AtomicBoolean();
    try (Frontend f = Frontend.connect(socket)) {
      // Shutting the socket down is the one way to end a receive blocked on a silent backend.
      Thread watchdog = Thread.ofVirtual().start(() -> {
        try {
          Thread.sleep(Math.max(1, timeoutSeconds) * 1000L);
          timedOut.set(true);
          f.connection().shutdown();
        } catch (InterruptedException e) {
          // the probe finished in time
        }
      });
      ProbeReport r;
      try {
        r = probe(socket, f, configSize);
      } finally {
        watchdog.interrupt();
      }
      out.print(json ? r.json() + System.lineSeparator() : r.text());
      out.flush();
      return 0;
    } catch (IOException e) {
      String why = timedOut.get()
          ? "no answer within " + timeoutSeconds + " s (is another frontend connected?)"
          : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      err.println("vhost-user-probe: " + socket + ": " + why);
      err.flush();
      return 1;
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ProbeMain()).execute(args));
  }
}
