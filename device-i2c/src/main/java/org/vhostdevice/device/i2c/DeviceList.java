// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.vhostuser.runtime.UsageException;

/**
 * The {@code -l/--device-list} option: {@code ADAPTER[:ADDR...][,ADAPTER[:ADDR...]...]}, where
 * ADAPTER is a bus number (the N of /dev/i2c-N) or an adapter name as in
 * /sys/bus/i2c/devices/i2c-N/name, and ADDR a decimal 7-bit client address. Validation and
 * messages follow the Rust daemon, except that address 128 (not a 7-bit address) and entries
 * naming no adapter are refused, and blanks around numbers are ignored.
 */
public record DeviceList(List<Adapter> adapters) {
  /** One adapter: by {@code number} (name null) or by {@code name} (number -1). */
  public record Adapter(long number, String name, List<Integer> clients) {
    public boolean byName() {
      return name != null;
    }

    /** As the Rust daemon prints it in "Duplicate adapter detected". */
    public String identifier() {
      return byName() ? "adapter_name: " + name : "adapter_no:: " + number;
    }
  }

  public static DeviceList parse(String option) throws UsageException {
    String list = option.trim();
    List<Adapter> adapters = new ArrayList<>();
    String[] entries = list.split(",", -1);
    for (int e = 0; e < entries.length; e++) {
      String[] parts = entries[e].split(":", -1);
      String id = parts[0].trim();
      if (id.isEmpty()) {
        throw new UsageException("Invalid device list `" + option + "`: entry " + (e + 1)
            + " names no adapter");
      }
      long number = -1;
      String name = null;
      try {
        number = RustInt.parseUnsigned(id, 0xFFFF_FFFFL);
      } catch (RustInt.ParseIntError notANumber) {
        name = id;
      }
      List<Integer> clients = new ArrayList<>();
      for (int i = 1; i < parts.length; i++) {
        int address;
        try {
          address = (int) RustInt.parseUnsigned(parts[i].trim(), 0xFFFF);
        } catch (RustInt.ParseIntError bad) {
          throw new UsageException("Failed while parsing to integer: " + bad.getMessage());
        }
        if (address >= I2cMap.MAX_CLIENTS) {
          throw new UsageException("Invalid client address: " + address);
        }
        if (clients.contains(address)) {
          throw new UsageException("Duplicate client address detected: " + address);
        }
        clients.add(address);
      }
      Adapter adapter = new Adapter(number, name, List.copyOf(clients));
      for (Adapter earlier : adapters) {
        if (earlier.number() == adapter.number()
            && java.util.Objects.equals(earlier.name(), adapter.name())) {
          throw new UsageException("Duplicate adapter detected: " + adapter.identifier());
        }
      }
      for (int address : clients) {
        for (Adapter earlier : adapters) {
          if (earlier.clients().contains(address)) {
            throw new UsageException("Duplicate client address detected: " + address);
          }
        }
      }
      adapters.add(adapter);
    }
    return new DeviceList(List.copyOf(adapters));
  }
}
