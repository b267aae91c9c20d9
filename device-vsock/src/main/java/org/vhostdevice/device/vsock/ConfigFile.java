// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The {@code --config} YAML file: a mapping with a {@code vms} list of VM mappings. Keys are
 * those of {@code --vm}, spelled with '_' or '-' (the Rust daemon reads snake_case only and
 * silently ignores the rest, including the dashed spelling its own README shows); an unknown key
 * is an error here.
 */
final class ConfigFile {
  private ConfigFile() {}

  static List<VmConfig> read(Path file) throws VmConfigException {
    Object root;
    try (Reader r = Files.newBufferedReader(file)) {
      // SafeConstructor: plain maps, lists and scalars only, never arbitrary classes.
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
    } catch (IOException e) {
      throw new VmConfigException("cannot read configuration file " + file + ": " + e.getMessage(),
          e);
    } catch (YAMLException e) {
      throw new VmConfigException("configuration file " + file + " is not valid YAML: "
          + e.getMessage(), e);
    }
    if (!(root instanceof Map<?, ?> top)) {
      throw new VmConfigException("configuration file " + file + ": expected a mapping with 'vms'");
    }
    if (!(top.get("vms") instanceof List<?> vms)) {
      throw new VmConfigException("configuration file " + file + ": 'vms' must be a list of VMs");
    }
    if (vms.isEmpty()) {
      throw new VmConfigException("configuration file " + file + ": 'vms' is empty");
    }
    List<VmConfig> out = new ArrayList<>();
    for (int i = 0; i < vms.size(); i++) {
      if (!(vms.get(i) instanceof Map<?, ?> vm)) {
        throw new VmConfigException("configuration file " + file + ": vms[" + i
            + "] is not a mapping");
      }
      VmConfig.Builder b = new VmConfig.Builder();
      try {
        for (Map.Entry<?, ?> e : vm.entrySet()) {
          Object v = e.getValue();
          if (v == null || v instanceof Map || v instanceof List) {
            throw new VmConfigException("'" + e.getKey() + "' needs a plain value");
          }
          VmArgument.set(b, String.valueOf(e.getKey()), String.valueOf(v));
        }
        out.add(b.build());
      } catch (VmConfigException e) {
        throw new VmConfigException("configuration file " + file + ": vms[" + i + "]: "
            + e.getMessage(), e);
      }
    }
    return out;
  }
}
