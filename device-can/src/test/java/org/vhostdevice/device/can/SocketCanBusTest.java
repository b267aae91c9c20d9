// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** The SocketCAN boundary where this machine cannot reach a CAN interface. */
class SocketCanBusTest {
  private static final int EAFNOSUPPORT = 97;
  private static final int ENODEV = 19;

  @Test
  void aMissingInterfaceFailsWithTheCallThatRefusedIt() {
    NativeException e = assertThrows(NativeException.class,
        () -> SocketCanBus.open("nosuchcan9"));
    // Without the CAN protocol family the socket call fails; with it, the name lookup does.
    if (e.errno() == EAFNOSUPPORT) {
      assertTrue(e.call().startsWith("socket(PF_CAN"), e.getMessage());
    } else {
      assertEquals(ENODEV, e.errno(), e.getMessage());
      assertTrue(e.call().startsWith("if_nametoindex(nosuchcan9)"), e.getMessage());
    }
  }

  @Test
  void aNameLongerThanIfnamsizIsRefusedBeforeAnySyscall() {
    NativeException e = assertThrows(NativeException.class,
        () -> SocketCanBus.open("averyveryverylongname"));
    assertEquals(ENODEV, e.errno());
  }

  @Test
  void theSockaddrAndIfreqLayoutsMatchLinux() {
    assertEquals(24, SocketCanBus.SOCKADDR_CAN_SIZE);
    assertEquals(4, SocketCanBus.SOCKADDR_IFINDEX);
    assertEquals(40, SocketCanBus.IFREQ_SIZE);
    assertEquals(16, SocketCanBus.IFREQ_MTU);
    assertEquals(0x8921, SocketCanBus.SIOCGIFMTU);
  }
}
