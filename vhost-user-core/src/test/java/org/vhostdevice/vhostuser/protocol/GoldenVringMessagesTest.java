// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.OwnedFd;

/** Wire bytes of the vring messages, written by hand from core.md §1.8. */
class GoldenVringMessagesTest {
  private static final int REQUEST = 0x1;
  private static final int NEED_REPLY = 0x9;

  private GoldenWire golden;

  @BeforeEach
  void open() throws IOException {
    golden = new GoldenWire();
  }

  @AfterEach
  void close() {
    golden.close();
  }

  @Test
  void setVringNum() throws IOException {
    VringState s = new VringState(0, 256);
    golden.assertRequest("08000000 01000000 08000000 00000000 00010000",
        FrontendRequest.SET_VRING_NUM, REQUEST, s, s.encode(), VringState::decode);
  }

  @Test
  void setVringAddrPutsUsedBeforeAvail() throws IOException {
    VringAddress a = new VringAddress(1, 0, 0x7f12_3456_1000L, 0x7f12_3456_3000L,
        0x7f12_3456_2000L, 0);
    golden.assertRequest("09000000 01000000 28000000"
            + " 01000000 00000000"    // index 1, flags 0
            + " 00105634127f0000"     // desc
            + " 00305634127f0000"     // used
            + " 00205634127f0000"     // avail
            + " 0000000000000000",    // log
        FrontendRequest.SET_VRING_ADDR, REQUEST, a, a.encode(), VringAddress::decode);
  }

  @Test
  void setVringAddrWithLogging() throws IOException {
    VringAddress a = new VringAddress(0, VringAddress.F_LOG, 0x7f12_3456_1000L,
        0x7f12_3456_3000L, 0x7f12_3456_2000L, 0x1234_5000L);
    golden.assertRequest("09000000 09000000 28000000"
            + " 00000000 01000000"
            + " 00105634127f0000 00305634127f0000 00205634127f0000"
            + " 0050341200000000",
        FrontendRequest.SET_VRING_ADDR, NEED_REPLY, a, a.encode(), VringAddress::decode);
  }

  @Test
  void setVringBase() throws IOException {
    VringState s = new VringState(1, 42);
    golden.assertRequest("0a000000 01000000 08000000 01000000 2a000000",
        FrontendRequest.SET_VRING_BASE, REQUEST, s, s.encode(), VringState::decode);
  }

  @Test
  void getVringBase() throws IOException {
    VringState s = new VringState(1, 0);
    golden.assertRequest("0b000000 01000000 08000000 01000000 00000000",
        FrontendRequest.GET_VRING_BASE, REQUEST, s, s.encode(), VringState::decode);
  }

  @Test
  void getVringBaseReply() throws IOException {
    VringState s = new VringState(1, 42);
    golden.assertReply("0b000000 05000000 08000000 01000000 2a000000",
        FrontendRequest.GET_VRING_BASE, s, s.encode(), VringState::decode);
  }

  @Test
  void setVringKickWithFd() throws IOException {
    assertFdRef("0c000000 01000000 08000000 0100000000000000", FrontendRequest.SET_VRING_KICK,
        new VringFdRef(1, false));
  }

  @Test
  void setVringKickWithoutFd() throws IOException {
    assertFdRef("0c000000 01000000 08000000 0101000000000000", FrontendRequest.SET_VRING_KICK,
        new VringFdRef(1, true));
  }

  @Test
  void setVringCallWithFd() throws IOException {
    assertFdRef("0d000000 01000000 08000000 0000000000000000", FrontendRequest.SET_VRING_CALL,
        new VringFdRef(0, false));
  }

  @Test
  void setVringCallWithoutFd() throws IOException {
    assertFdRef("0d000000 01000000 08000000 0001000000000000", FrontendRequest.SET_VRING_CALL,
        new VringFdRef(0, true));
  }

  @Test
  void setVringErrWithFd() throws IOException {
    assertFdRef("0e000000 01000000 08000000 0200000000000000", FrontendRequest.SET_VRING_ERR,
        new VringFdRef(2, false));
  }

  @Test
  void setVringErrWithoutFd() throws IOException {
    assertFdRef("0e000000 01000000 08000000 0201000000000000", FrontendRequest.SET_VRING_ERR,
        new VringFdRef(2, true));
  }

  @Test
  void setVringEnable() throws IOException {
    VringState s = new VringState(1, 1);
    golden.assertRequest("12000000 09000000 08000000 01000000 01000000",
        FrontendRequest.SET_VRING_ENABLE, NEED_REPLY, s, s.encode(), VringState::decode);
  }

  private void assertFdRef(String hex, FrontendRequest request, VringFdRef ref)
      throws IOException {
    if (ref.noFd()) {
      golden.assertRequest(hex, request, REQUEST, ref, ref.encode(), VringFdRef::decode);
      return;
    }
    try (OwnedFd fd = TestFds.fresh()) {
      golden.assertRequest(
          hex, request, REQUEST, ref, ref.encode(), VringFdRef::decode, fd.fd());
    }
  }
}
