// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which VMs of a daemon reach each other, and CID uniqueness (Rust: sibling/CID tests). */
class SiblingRegistryTest {
  @TempDir Path dir;
  private final SiblingRegistry registry = new SiblingRegistry();
  private final List<VmBackend> open = new ArrayList<>();

  @AfterEach
  void close() {
    open.forEach(VmBackend::close);
  }

  private VmBackend vm(long cid, String groups) throws Exception {
    VmBackend v = VmBackend.open(VmArgument.parse("guest-cid=" + cid + ",socket=" + dir.resolve(
        cid + ".sock") + ",uds-path=" + dir.resolve(cid + ".vsock") + ",groups=" + groups),
        registry);
    open.add(v);
    return v;
  }

  @Test
  void vmsSharingOneGroupAreSiblings() throws Exception {
    VmBackend a = vm(3, "groupA+groupB+group3");
    VmBackend b = vm(4, "group1+group2+group3");
    assertSame(b, registry.sibling(a, 4));
    assertSame(a, registry.sibling(b, 3));
  }

  @Test
  void vmsWithDisjointGroupsAreNot() throws Exception {
    VmBackend a = vm(3, "groupA+groupB+group3");
    vm(4, "group1");
    assertNull(registry.sibling(a, 4));
  }

  @Test
  void anUnknownCidIsNoSibling() throws Exception {
    assertNull(registry.sibling(vm(3, "default"), 99));
  }

  @Test
  void aVmIsNotItsOwnSibling() throws Exception {
    assertNull(registry.sibling(vm(3, "default"), 3));
  }

  @Test
  void aCidIsRefusedTwice() throws Exception {
    vm(3, "default");
    VmConfigException e = assertThrows(VmConfigException.class, () -> vm(3, "other"));
    assertTrue(e.getMessage().contains("already in use"), e.getMessage());
  }

  @Test
  void aClosedVmFreesItsCid() throws Exception {
    VmBackend a = vm(3, "default");
    a.close();
    open.remove(a);
    assertNotNull(vm(3, "default"));
  }
}
