// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.vsock.TestGuest.Packet;
import org.vhostdevice.device.vsock.sys.HostSockets;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import picocli.CommandLine;

/**
 * The AF_VSOCK forwarding backend as far as a host without a vsock transport allows: the
 * listeners bind, and a guest connect that cannot complete is answered with RST. (Data through
 * AF_VSOCK needs vhost_vsock or vsock_loopback, which this project's CI hosts lack.)
 */
class ForwardingTest {
  @TempDir Path dir;
  private final List<AutoCloseable> closeMe = new ArrayList<>();

  @BeforeAll
  static void needsAfVsock() {
    try {
      HostSockets.listenVsock(0xFFFF_FFFF - 7).close();
    } catch (NativeException e) {
      Assumptions.abort("no AF_VSOCK on this host: " + e.getMessage());
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeMe) {
      c.close();
    }
  }

  @Test
  void forwardListenPortsAreBoundForTheLifeOfTheVm() throws Exception {
    VmBackend vm = VmBackend.open(VmArgument.parse("socket=" + dir.resolve("s")
        + ",forward-cid=1,forward-listen=39003+39004"), new SiblingRegistry());
    try {
      assertEquals(2, vm.listenerCount());
      NativeException e = assertThrows(NativeException.class,
          () -> HostSockets.listenVsock(39003));
      assertTrue(e.getMessage().contains("bind"), e.getMessage());
    } finally {
      vm.close();
    }
    HostSockets.listenVsock(39003).close();
  }

  @Test
  void aForwardListenPortInUseIsAStartupError() throws Exception {
    var taken = HostSockets.listenVsock(39005);
    try {
      IOException e = assertThrows(IOException.class, () -> VmBackend.open(VmArgument.parse(
          "socket=" + dir.resolve("s") + ",forward-cid=1,forward-listen=39005"),
          new SiblingRegistry()));
      assertTrue(e.getMessage().contains("39005"), e.getMessage());
    } finally {
      taken.close();
    }
  }

  @Test
  void aForwardedConnectThatCannotCompleteIsAnsweredWithRst() throws Exception {
    VsockService service = VsockService.open(List.of(VmArgument.parse(
        "socket=" + dir.resolve("vm.sock") + ",forward-cid=1")));
    closeMe.add(service);
    SocketOptions opts = new SocketOptions();
    new CommandLine(opts).parseArgs("--log-level", "warn");
    Daemon daemon = Daemon.withSocketPaths(VsockMain.SPEC, opts, service.socketPaths(),
        service.factory());
    daemon.start();
    closeMe.add(0, daemon::stop);
    TestGuest g = TestGuest.start(dir.resolve("vm.sock"), 3, 8);
    closeMe.add(0, g);
    g.send(Packet.of(3, 40000, 1, 39999, PacketHeader.OP_REQUEST, 0, 65536, 0, new byte[0]));
    // No transport: connect fails at once or times out (2 s); either way the guest hears RST.
    Packet p = g.expect(10_000);
    assertEquals(PacketHeader.OP_RST, p.op(), p.toString());
    assertEquals(39999, p.srcPort());
    assertEquals(40000, p.dstPort());
  }
}
