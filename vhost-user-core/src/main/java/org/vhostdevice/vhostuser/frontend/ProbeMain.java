// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vhost-user-probe SOCKET}: what a backend offers, for someone debugging a setup. Only
 * GET requests (and SET_PROTOCOL_FEATURES, which they need) are sent; the backend is left to
 * accept the real frontend afterwards.
 */
@Command(
    name = "vhost-user-probe",
    mixinStandardHelpOptions = true,
    versionProvider = org.vhostdevice.vhostuser.runtime.ManifestVersion.class,
    description = "Print a vhost-user backend's features, protocol features, queues and config space.")
public final class ProbeMain implements Callable<Integer> {
  private static final String[][] FEATURE_NAMES = {
    {"24", "NOTIFY_ON_EMPTY"}, {"26", "LOG_ALL"}, {"27", "ANY_LAYOUT"},
    {"28", "RING_INDIRECT_DESC"}, {"29", "RING_EVENT_IDX"}, {"30", "VHOST_USER_PROTOCOL_FEATURES"},
    {"32", "VERSION_1"}, {"33", "ACCESS_PLATFORM"}, {"34", "RING_PACKED"}, {"35", "IN_ORDER"}
  };
  private static final int MAX_CONFIG = 256;

  @Parameters(paramLabel = "SOCKET", description = "The backend's vhost-user socket.")
  Path socket;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Spec CommandLine.Model.CommandSpec spec;

  /** The facts a probe gathers. */
  record Report(long features, long protocolFeatures, int queues, long memSlots, byte[] config) {}

  static Report probe(Frontend f) throws IOException {
    long features = f.getFeatures();
    long protocol = 0;
    int queues = -1;
    long slots = -1;
    byte[] config = null;
    if ((features & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) != 0) {
      protocol = f.getProtocolFeatures();
      // Queries need their features agreed; REPLY_ACK is left out: we send no commands.
      f.setProtocolFeatures(protocol & ~ProtocolFeatures.REPLY_ACK);
      if ((protocol & ProtocolFeatures.MQ) != 0) {
        queues = f.getQueueNum();
      }
      if ((protocol & ProtocolFeatures.CONFIGURE_MEM_SLOTS) != 0) {
        slots = f.getMaxMemSlots();
      }
      if ((protocol & ProtocolFeatures.CONFIG) != 0) {
        config = readConfig(f);
      }
    }
    return new Report(features, protocol, queues, slots, config);
  }

  /** The largest config read the backend accepts (out-of-range reads answer size 0). */
  private static byte[] readConfig(Frontend f) throws IOException {
    int lo = 0;
    int hi = MAX_CONFIG;
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (f.getConfig(0, mid).length == mid) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo == 0 ? new byte[0] : f.getConfig(0, lo);
  }

  static List<String> featureNames(long bits) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < 64; bit++) {
      if ((bits & (1L << bit)) == 0) {
        continue;
      }
      String name = "device bit " + bit;
      for (String[] known : FEATURE_NAMES) {
        if (Integer.parseInt(known[0]) == bit) {
          name = known[1];
        }
      }
      names.add(name);
    }
    return names;
  }

  static String text(Path socket, Report r) {
    StringBuilder s = new StringBuilder();
    s.append(String.format("backend:            %s%n", socket));
    s.append(String.format("virtio features:    0x%016x  %s%n", r.features(),
        String.join(" ", featureNames(r.features()))));
    s.append(String.format("protocol features:  0x%016x  %s%n", r.protocolFeatures(),
        ProtocolFeatures.describe(r.protocolFeatures())));
    s.append(String.format("queues:             %s%n", r.queues() < 0 ? "unknown (no MQ)" : r.queues()));
    s.append(String.format("memory slots:       %s%n",
        r.memSlots() < 0 ? "8 (no CONFIGURE_MEM_SLOTS)" : r.memSlots()));
    if (r.config() == null) {
      s.append(String.format("config space:       none (no CONFIG)%n"));
    } else {
      s.append(String.format("config space:       %d bytes%n", r.config().length));
      for (int i = 0; i < r.config().length; i += 16) {
        int n = Math.min(16, r.config().length - i);
        s.append(String.format("  %04x  %s%n", i,
            HexFormat.ofDelimiter(" ").formatHex(r.config(), i, i + n)));
      }
    }
    return s.toString();
  }

  static String json(Path socket, Report r) {
    StringBuilder s = new StringBuilder("{\n");
    s.append("  \"socket\": \"").append(socket.toString().replace("\\", "\\\\").replace("\"", "\\\""))
        .append("\",\n");
    s.append(String.format("  \"features\": \"0x%016x\",%n", r.features()));
    s.append("  \"feature_names\": [");
    List<String> names = featureNames(r.features());
    for (int i = 0; i < names.size(); i++) {
      s.append(i == 0 ? "\"" : ", \"").append(names.get(i)).append('"');
    }
    s.append("],\n");
    s.append(String.format("  \"protocol_features\": \"0x%016x\",%n", r.protocolFeatures()));
    s.append("  \"queues\": ").append(r.queues() < 0 ? "null" : r.queues()).append(",\n");
    s.append("  \"memory_slots\": ").append(r.memSlots() < 0 ? "null" : r.memSlots()).append(",\n");
    s.append("  \"config\": ").append(r.config() == null ? "null"
        : "\"" + HexFormat.of().formatHex(r.config()) + "\"").append("\n}");
    return s.toString();
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (Frontend f = Frontend.connect(socket)) {
      Report r = probe(f);
      out.print(json ? json(socket, r) + System.lineSeparator() : text(socket, r));
      out.flush();
      return 0;
    } catch (IOException e) {
      err.println("vhost-user-probe: " + socket + ": " + e.getMessage());
      return 1;
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ProbeMain()).execute(args));
  }
}
