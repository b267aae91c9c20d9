// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.vhostuser.device.DeviceFactory;

/**
 * All VMs of one daemon: one {@link VmBackend} each (a CID may appear once), and the device
 * factory that gives socket {@code i} a fresh session of VM {@code i}.
 */
public final class VsockService implements AutoCloseable {
  private final SiblingRegistry registry = new SiblingRegistry();
  private final List<VmBackend> vms = new ArrayList<>();

  private VsockService() {}

  /** Opens every VM's host side; on any failure closes what was opened and throws the reason. */
  public static VsockService open(List<VmConfig> configs) throws IOException, VmConfigException {
    VsockService s = new VsockService();
    try {
      for (VmConfig c : configs) {
        s.vms.add(VmBackend.open(c, s.registry));
      }
    } catch (IOException | VmConfigException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  public List<Path> socketPaths() {
    return vms.stream().map(v -> v.config().socket()).toList();
  }

  public DeviceFactory factory() {
    return instance -> vms.get(instance).newSession();
  }

  VmBackend vm(int index) {
    return vms.get(index);
  }

  @Override
  public void close() {
    for (VmBackend v : vms) {
      v.close();
    }
    vms.clear();
  }
}
