// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vhostdevice.vhostuser.protocol.Rejections.assertRejected;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** The vring address and vring fd checks of core.md §1.8. */
class VringPayloadValidationTest {
  private static final long DESC = 0x7f00_0000_1000L;
  private static final long USED = 0x7f00_0000_3000L;
  private static final long AVAIL = 0x7f00_0000_2000L;

  private static byte[] address(int flags, long desc, long used, long avail) {
    return new VringAddress(0, flags, desc, used, avail, 0).encode();
  }

  @Test
  void rejectsMisalignedDescriptorTable() throws NativeException {
    assertRejected(VringAddress::decode, FrontendRequest.SET_VRING_ADDR,
        address(0, DESC + 8, USED, AVAIL), 0);
  }

  @Test
  void rejectsMisalignedAvailRing() throws NativeException {
    assertRejected(VringAddress::decode, FrontendRequest.SET_VRING_ADDR,
        address(0, DESC, USED, AVAIL + 1), 0);
  }

  @Test
  void rejectsMisalignedUsedRing() throws NativeException {
    assertRejected(VringAddress::decode, FrontendRequest.SET_VRING_ADDR,
        address(0, DESC, USED + 2, AVAIL), 0);
  }

  @Test
  void rejectsUnknownVringFlags() throws NativeException {
    assertRejected(VringAddress::decode, FrontendRequest.SET_VRING_ADDR,
        address(0x2, DESC, USED, AVAIL), 0);
  }

  @Test
  void acceptsMinimalAlignments() throws ProtocolException {
    byte[] bytes = address(VringAddress.F_LOG, DESC + 16, USED + 4, AVAIL + 2);
    Message m = new Message(FrontendRequest.SET_VRING_ADDR.code(), 1, bytes, null);
    assertEquals(AVAIL + 2, VringAddress.decode(m).avail());
  }

  @Test
  void rejectsMissingFd() throws NativeException {
    assertRejected(VringFdRef::decode, FrontendRequest.SET_VRING_KICK,
        new VringFdRef(0, false).encode(), 0);
  }

  @Test
  void rejectsFdWithTheNoFdBit() throws NativeException {
    assertRejected(VringFdRef::decode, FrontendRequest.SET_VRING_CALL,
        new VringFdRef(0, true).encode(), 1);
  }

  @Test
  void rejectsTwoFds() throws NativeException {
    assertRejected(VringFdRef::decode, FrontendRequest.SET_VRING_ERR,
        new VringFdRef(0, false).encode(), 2);
  }

  @Test
  void ignoresBitsAboveTheNoFdBit() throws ProtocolException {
    byte[] bytes = Payloads.encodeU64(0xFFFF_0000_0000_0103L);
    Message m = new Message(FrontendRequest.SET_VRING_CALL.code(), 1, bytes, List.of());
    assertEquals(new VringFdRef(3, true), VringFdRef.decode(m));
  }

  @Test
  void rejectsShortVringState() throws NativeException {
    assertRejected(VringState::decode, FrontendRequest.SET_VRING_NUM, new byte[4], 0);
  }

  @Test
  void rejectsShortU64() throws NativeException {
    assertRejected(Payloads::decodeU64, FrontendRequest.SET_FEATURES, new byte[7], 0);
  }
}
