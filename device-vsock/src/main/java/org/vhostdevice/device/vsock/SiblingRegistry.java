// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The VMs of one daemon by guest CID: refuses a CID twice, and answers which VM a guest may reach
 * directly (another VM sharing at least one group with it).
 */
final class SiblingRegistry {
  private final Map<Long, VmBackend> byCid = new HashMap<>();

  synchronized void register(VmBackend vm) throws VmConfigException {
    long cid = vm.config().guestCid();
    if (byCid.containsKey(cid)) {
      throw new VmConfigException("guest CID " + cid + " is already in use by another VM");
    }
    byCid.put(cid, vm);
  }

  synchronized void unregister(VmBackend vm) {
    byCid.remove(vm.config().guestCid(), vm);
  }

  /** The VM with {@code cid} that shares a group with {@code from}, or null. */
  synchronized VmBackend sibling(VmBackend from, long cid) {
    VmBackend to = byCid.get(cid);
    if (to == null || to == from) {
      return null;
    }
    Set<String> a = from.config().groups();
    for (String g : to.config().groups()) {
      if (a.contains(g)) {
        return to;
      }
    }
    return null;
  }
}
