// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code --vm key=value,...} parsing, mirroring the Rust crate's VsockParam tests. */
class VmArgumentTest {
  @Test
  void dashedAndUnderscoredKeysAreTheSame() throws Exception {
    VmConfig a = VmArgument.parse("guest_cid=4,socket=/tmp/a.sock,uds_path=/tmp/a.vsock,"
        + "tx_buffer_size=1024,queue_size=256,groups=g1+g2");
    VmConfig b = VmArgument.parse("guest-cid=4,socket=/tmp/a.sock,uds-path=/tmp/a.vsock,"
        + "tx-buffer-size=1024,queue-size=256,groups=g1+g2");
    assertEquals(a, b);
    assertEquals(4, a.guestCid());
    assertEquals(Path.of("/tmp/a.sock"), a.socket());
    assertEquals(Path.of("/tmp/a.vsock"), a.udsPath());
    assertEquals(1024, a.txBufferSize());
    assertEquals(256, a.queueSize());
    assertEquals(Set.of("g1", "g2"), a.groups());
  }

  @Test
  void missingOptionalKeysTakeTheDefaults() throws Exception {
    VmConfig c = VmArgument.parse("socket=/tmp/s,uds-path=/tmp/u");
    assertEquals(3, c.guestCid());
    assertEquals(65536, c.txBufferSize());
    assertEquals(1024, c.queueSize());
    assertEquals(Set.of("default"), c.groups());
    assertEquals(false, c.forwarding());
  }

  @Test
  void keysMayComeInAnyOrder() throws Exception {
    assertEquals(VmArgument.parse("socket=/s,uds-path=/u,guest-cid=9"),
        VmArgument.parse("guest-cid=9,uds-path=/u,socket=/s"));
  }

  @Test
  void aQueueSizeOf2048IsAccepted() throws Exception {
    assertEquals(2048, VmArgument.parse("socket=/s,uds-path=/u,queue-size=2048").queueSize());
  }

  @Test
  void aQueueSizeThatIsNotAPowerOfTwoIsRefused() {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> VmArgument.parse("socket=/s,uds-path=/u,queue-size=1000"));
    assertTrue(e.getMessage().contains("queue-size"), e.getMessage());
  }

  @Test
  void forwardingTakesTheCidAndListenPorts() throws Exception {
    VmConfig c = VmArgument.parse("socket=/s,forward-cid=1,forward-listen=9001+9002");
    assertTrue(c.forwarding());
    assertEquals(1, c.forwardCid());
    assertEquals(List.of(9001, 9002), c.forwardListen());
  }

  @Test
  void anEmptyArgumentIsABadArgument() {
    VmConfigException e = assertThrows(VmConfigException.class, () -> VmArgument.parse(""));
    assertTrue(e.getMessage().startsWith("Invalid argument"), e.getMessage());
  }

  @Test
  void aTrailingCommaIsABadArgument() {
    assertThrows(VmConfigException.class, () -> VmArgument.parse("socket=/s,uds-path=/u,"));
  }

  @Test
  void anUnknownKeyIsNamed() {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> VmArgument.parse("socket=/s,uds-path=/u,colour=blue"));
    assertEquals("Invalid key: colour", e.getMessage());
  }

  @Test
  void aNonNumericCidIsAParseError() {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> VmArgument.parse("socket=/s,uds-path=/u,guest-cid=three"));
    assertTrue(e.getMessage().contains("integer"), e.getMessage());
  }

  @Test
  void theSocketIsRequired() {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> VmArgument.parse("uds-path=/u"));
    assertEquals("Required key not found: socket", e.getMessage());
  }

  @Test
  void oneBackendIsRequired() {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> VmArgument.parse("socket=/s"));
    assertEquals("Required key not found: uds-path or forward-cid", e.getMessage());
  }

  @Test
  void bothBackendsAreRefused() {
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> VmArgument.parse("socket=/s,uds-path=/u,forward-cid=1"));
    assertEquals("Only one of uds-path or forward-cid can be provided", e.getMessage());
  }

  @Test
  void aBadForwardListenPortIsAnErrorNotACrash() {
    // The Rust daemon unwraps the parse and panics.
    VmConfigException e = assertThrows(VmConfigException.class,
        () -> VmArgument.parse("socket=/s,forward-cid=1,forward-listen=9001+http"));
    assertEquals("forward-listen: 'http' is not a port number", e.getMessage());
  }

  @Test
  void hostAndReservedCidsAreNotGuestCids() {
    assertThrows(VmConfigException.class,
        () -> VmArgument.parse("socket=/s,uds-path=/u,guest-cid=2"));
  }

  @Test
  void anEmptyGroupNameIsRefused() {
    assertThrows(VmConfigException.class,
        () -> VmArgument.parse("socket=/s,uds-path=/u,groups=a++b"));
  }
}
