// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;

/**
 * What {@code vhost-user-probe} learnt about a backend, and its text and JSON forms.
 *
 * @param protocolFeatures offered protocol features; -1 when bit 30 was not offered
 * @param queues GET_QUEUE_NUM's answer; -1 without MQ
 * @param memSlots GET_MAX_MEM_SLOTS's answer; -1 without CONFIGURE_MEM_SLOTS
 * @param config config space bytes; null without CONFIG, empty if no read size was accepted
 */
record ProbeReport(
    Path socket, long features, long protocolFeatures, int queues, long memSlots,
    byte[] config) {
  private static final String[] FEATURE_NAMES = new String[64];

  static {
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.NOTIFY_ON_EMPTY)] = "NOTIFY_ON_EMPTY";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.VHOST_F_LOG_ALL)] = "LOG_ALL";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.ANY_LAYOUT)] = "ANY_LAYOUT";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.RING_INDIRECT_DESC)] =
        "RING_INDIRECT_DESC";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.RING_EVENT_IDX)] = "RING_EVENT_IDX";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES)] =
        "VHOST_USER_PROTOCOL_FEATURES";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.VERSION_1)] = "VERSION_1";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.ACCESS_PLATFORM)] = "ACCESS_PLATFORM";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.RING_PACKED)] = "RING_PACKED";
    FEATURE_NAMES[Long.numberOfTrailingZeros(VirtioFeatures.IN_ORDER)] = "IN_ORDER";
    FEATURE_NAMES[36] = "ORDER_PLATFORM";
    FEATURE_NAMES[37] = "SR_IOV";
    FEATURE_NAMES[38] = "NOTIFICATION_DATA";
    FEATURE_NAMES[39] = "NOTIF_CONFIG_DATA";
    FEATURE_NAMES[40] = "RING_RESET";
    FEATURE_NAMES[41] = "ADMIN_VQ";
  }

  /** Names of the virtio feature bits; bits 0-23 and 50+ belong to the device type. */
  static List<String> featureNames(long bits) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < 64; bit++) {
      if ((bits & (1L << bit)) != 0) {
        String known = FEATURE_NAMES[bit];
        names.add(known != null ? known
            : bit < 24 || bit >= 50 ? "device bit " + bit : "bit " + bit);
      }
    }
    return names;
  }

  static List<String> protocolFeatureNames(long bits) {
    return bits == 0 ? List.of() : Arrays.asList(ProtocolFeatures.describe(bits).split("\\|"));
  }

  String text() {
    StringBuilder s = new StringBuilder();
    line(s, "backend", socket.toString());
    line(s, "virtio features", hex(features) + "  " + String.join(" ", featureNames(features)));
    line(s, "protocol features", protocolFeatures < 0 ? "none (no VHOST_USER_PROTOCOL_FEATURES)"
        : hex(protocolFeatures) + "  " + String.join(" ", protocolFeatureNames(protocolFeatures)));
    line(s, "queues", queues < 0 ? "unknown (no MQ)" : Integer.toString(queues));
    line(s, "memory slots", memSlots < 0
        ? Frontend.BASELINE_MEM_SLOTS + " (no CONFIGURE_MEM_SLOTS)" : Long.toString(memSlots));
    if (config == null) {
      line(s, "config space", "none (no CONFIG)");
    } else if (config.length == 0) {
      line(s, "config space", "none (no read size accepted)");
    } else {
      line(s, "config space", config.length + " bytes");
      for (int i = 0; i < config.length; i += 16) {
        s.append(String.format("  %04x  %s%n", i,
            HexFormat.ofDelimiter(" ").formatHex(config, i, Math.min(config.length, i + 16))));
      }
    }
    return s.toString();
  }

  private static void line(StringBuilder s, String label, String value) {
    s.append(String.format("%-20s%s%n", label + ":", value));
  }

  private static String hex(long v) {
    return String.format("0x%016x", v);
  }

  String json() {
    StringBuilder s = new StringBuilder("{\n");
    field(s, "socket", quote(socket.toString()));
    field(s, "features", quote(hex(features)));
    field(s, "feature_names", array(featureNames(features)));
    field(s, "protocol_features", protocolFeatures < 0 ? "null" : quote(hex(protocolFeatures)));
    field(s, "protocol_feature_names",
        array(protocolFeatures < 0 ? List.of() : protocolFeatureNames(protocolFeatures)));
    field(s, "queues", queues < 0 ? "null" : Integer.toString(queues));
    field(s, "memory_slots", memSlots < 0 ? "null" : Long.toString(memSlots));
    s.append("  \"config\": ")
        .append(config == null ? "null" : quote(HexFormat.of().formatHex(config)))
        .append("\n}");
    return s.toString();
  }

  private static void field(StringBuilder s, String name, String value) {
    s.append("  \"").append(name).append("\": ").append(value).append(",\n");
  }

  private static String array(List<String> items) {
    return items.stream().map(ProbeReport::quote).toList().toString();
  }

  /** A JSON string: quotes, backslashes and control characters escaped (socket paths are free). */
  static String quote(String v) {
    StringBuilder s = new StringBuilder("\"");
    for (char c : v.toCharArray()) {
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        default -> s.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return s.append('"').toString();
  }
}
