// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.nio.file.Path;

/** Parses one {@code --vm key=value,key=value,...} description (keys with '_' or '-'). */
final class VmArgument {
  private VmArgument() {}

  static VmConfig parse(String argument) throws VmConfigException {
    VmConfig.Builder b = new VmConfig.Builder();
    for (String item : argument.trim().split(",", -1)) {
      int eq = item.indexOf('=');
      if (eq < 0) {
        throw new VmConfigException("Invalid argument: '" + item + "' in --vm '" + argument
            + "' is not key=value");
      }
      String key = item.substring(0, eq).trim();
      String value = item.substring(eq + 1).trim();
      set(b, key, value);
    }
    return b.build();
  }

  /** Sets one key; shared with the YAML reader, which passes its keys through here too. */
  static void set(VmConfig.Builder b, String key, String value) throws VmConfigException {
    switch (key.replace('-', '_')) {
      case "guest_cid" -> b.guestCid = VmConfig.parseUnsigned(key, value);
      case "socket" -> b.socket = Path.of(value);
      case "uds_path" -> b.udsPath = Path.of(value);
      case "forward_cid" -> b.forwardCid = VmConfig.parseUnsigned(key, value);
      case "forward_listen" -> b.forwardListen = value;
      case "tx_buffer_size" -> b.txBufferSize = VmConfig.parseUnsigned(key, value);
      case "queue_size" -> b.queueSize = VmConfig.parseUnsigned(key, value);
      case "groups" -> b.groups = value;
      default -> throw new VmConfigException("Invalid key: " + key);
    }
  }
}
