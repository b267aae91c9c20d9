// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.util.List;

/**
 * What the shared runtime needs to know about a daemon besides its device.
 *
 * @param name short device name used in logs and thread names ("rng")
 * @param backendType the vhost-user.json backend type for --print-capabilities ("rng", "input")
 * @param capabilityFeatures the "features" list of --print-capabilities (usually empty)
 */
public record DaemonSpec(String name, String backendType, List<String> capabilityFeatures) {
  public DaemonSpec(String name, String backendType) {
    this(name, backendType, List.of());
  }

  /** The JSON QEMU's backend-program convention asks for. */
  public String capabilitiesJson() {
    StringBuilder json = new StringBuilder("{\n  \"type\": \"").append(backendType).append('"');
    json.append(",\n  \"features\": [");
    for (int i = 0; i < capabilityFeatures.size(); i++) {
      json.append(i == 0 ? "\n    \"" : ",\n    \"").append(capabilityFeatures.get(i)).append('"');
    }
    json.append(capabilityFeatures.isEmpty() ? "]\n}" : "\n  ]\n}");
    return json.toString();
  }
}
