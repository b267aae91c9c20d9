// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.util.LinkedHashMap;
import java.util.Map;
import org.vhostdevice.vhostuser.runtime.UsageException;

/** One {@code -d/--device} argument: {@code KIND[,KEY=VALUE]...}. */
record DeviceSpec(String kind, DeviceProperties properties) {
  /**
   * Parses {@code text} as the Rust daemon does: split on ',', the first item is the device
   * kind, every other item must be exactly one {@code KEY=VALUE} pair (so values cannot contain
   * ',' or '='). The Rust daemon prints its help and exits 0 on a malformed item; here it is a
   * usage error.
   */
  static DeviceSpec parse(String text) throws UsageException {
    String[] items = text.split(",", -1);
    String kind = items[0];
    Map<String, String> props = new LinkedHashMap<>();
    for (int i = 1; i < items.length; i++) {
      String[] kv = items[i].split("=", -1);
      if (kv.length != 2) {
        throw new UsageException("Invalid device " + kind + " property format: " + items[i]);
      }
      props.putIfAbsent(kv[0], kv[1]); // the first occurrence wins, as in the Rust daemon
    }
    return new DeviceSpec(kind, new DeviceProperties(props));
  }
}
