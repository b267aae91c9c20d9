// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The {@code KEY=VALUE} properties of one {@code -d} device, in command-line order. */
final class DeviceProperties {
  private final Map<String, String> values;

  DeviceProperties(Map<String, String> values) {
    this.values = new LinkedHashMap<>(values);
  }

  static DeviceProperties of(String... keyValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return new DeviceProperties(m);
  }

  /** The value of {@code key}, or null. A key given twice keeps its first value (see DeviceSpec). */
  String get(String key) {
    return values.get(key);
  }

  Set<String> names() {
    return values.keySet();
  }

  /** Required names that are absent, sorted. */
  List<String> missing(List<String> required) {
    Set<String> out = new TreeSet<>(required);
    out.removeAll(values.keySet());
    return new ArrayList<>(out);
  }

  /** Present names that are neither required nor optional, sorted. */
  List<String> extra(List<String> required, List<String> optional) {
    Set<String> out = new TreeSet<>(values.keySet());
    required.forEach(out::remove);
    optional.forEach(out::remove);
    return new ArrayList<>(out);
  }

  /** Checks the names as the Rust daemon does: missing ones first, then unexpected ones. */
  void check(List<String> required, List<String> optional) throws DeviceConfigException {
    List<String> missing = missing(required);
    if (!missing.isEmpty()) {
      throw new DeviceConfigException("Missing device parameters: " + String.join(", ", missing));
    }
    List<String> extra = extra(required, optional);
    if (!extra.isEmpty()) {
      throw new DeviceConfigException("Unexpected device parameters: " + String.join(", ", extra));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceProperties p && p.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
