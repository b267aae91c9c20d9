// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code --config} YAML file, mirroring the Rust crate's config tests. */
class ConfigFileTest {
  @TempDir Path dir;

  private Path yaml(String text) throws Exception {
    Path p = dir.resolve("vsock.yaml");
    Files.writeString(p, text);
    return p;
  }

  @Test
  void oneVmWithDefaults() throws Exception {
    List<VmConfig> vms = ConfigFile.read(yaml("""
        vms:
          - socket: /tmp/vm1.sock
            uds_path: /tmp/vm1.vsock
        """));
    assertEquals(1, vms.size());
    VmConfig c = vms.get(0);
    assertEquals(3, c.guestCid());
    assertEquals(65536, c.txBufferSize());
    assertEquals(1024, c.queueSize());
    assertEquals(Set.of("default"), c.groups());
  }

  @Test
  void twoVmsWithBothBackends() throws Exception {
    List<VmConfig> vms = ConfigFile.read(yaml("""
        vms:
          - guest_cid: 4
            socket: /tmp/vm4.sock
            uds_path: /tmp/vm4.vsock
            tx_buffer_size: 32768
            queue_size: 512
            groups: " group1+group2 "
          - guest_cid: 5
            socket: /tmp/vm5.sock
            forward_cid: 1
            forward_listen: 9001+9002
        """));
    assertEquals(2, vms.size());
    assertEquals(Set.of("group1", "group2"), vms.get(0).groups());
    assertEquals(32768, vms.get(0).txBufferSize());
    assertEquals(512, vms.get(0).queueSize());
    assertEquals(1, vms.get(1).forwardCid());
    assertEquals(List.of(9001, 9002), vms.get(1).forwardListen());
  }

  @Test
  void dashedKeysAreReadNotSilentlyIgnored() throws Exception {
    // The Rust daemon's README shows "forward-cid:"; its parser ignores it and fails later.
    List<VmConfig> vms = ConfigFile.read(yaml("""
        vms:
          - socket: /tmp/vm.sock
            forward-cid: 1
        """));
    assertEquals(1, vms.get(0).forwardCid());
  }

  @Test
  void aFileWithoutVmsIsAnErrorNotACrash() throws Exception {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> ConfigFile.read(yaml("machines: []\n")));
    assertTrue(e.getMessage().contains("'vms'"), e.getMessage());
  }

  @Test
  void anEmptyVmsListIsAnError() throws Exception {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> ConfigFile.read(yaml("vms: []\n")));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  @Test
  void anUnreadableFileIsAnError() {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> ConfigFile.read(dir.resolve("missing.yaml")));
    assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
  }

  @Test
  void invalidYamlIsAnError() throws Exception {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> ConfigFile.read(yaml("vms: [socket: {")));
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
  }

  @Test
  void aVmWithoutABackendNamesTheEntry() throws Exception {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> ConfigFile.read(yaml("vms:\n  - socket: /tmp/s\n")));
    assertTrue(e.getMessage().contains("vms[0]"), e.getMessage());
    assertTrue(e.getMessage().contains("uds-path or forward-cid"), e.getMessage());
  }

  @Test
  void anUnknownKeyIsAnError() throws Exception {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> ConfigFile.read(yaml("vms:\n  - socket: /tmp/s\n    uds_path: /u\n    cid: 4\n")));
    assertTrue(e.getMessage().contains("Invalid key: cid"), e.getMessage());
  }

  @Test
  void yamlTagsCannotBuildObjects() throws Exception {
    assertThrows(VmConfigException.class, () -> ConfigFile.read(
        yaml("vms: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[]]]\n")));
  }
}
