// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrontendRequestTest {
  @Test
  void codesRunFromOneTo44InSpecOrder() {
    FrontendRequest[] all = FrontendRequest.values();
    assertEquals(44, all.length);
    for (int i = 0; i < all.length; i++) {
      assertEquals(i + 1, all[i].code());
      assertEquals(all[i], FrontendRequest.of(i + 1));
    }
  }

  @Test
  void unknownCodesMapToNull() {
    assertNull(FrontendRequest.of(0));
    assertNull(FrontendRequest.of(45));
    assertNull(FrontendRequest.of(-1));
  }

  @Test
  void onlyRustsWhitelistMayCarryFds() {
    Set<FrontendRequest> expected = EnumSet.of(
        FrontendRequest.SET_MEM_TABLE, FrontendRequest.SET_VRING_CALL,
        FrontendRequest.SET_VRING_KICK, FrontendRequest.SET_VRING_ERR,
        FrontendRequest.SET_LOG_BASE, FrontendRequest.SET_LOG_FD,
        FrontendRequest.SET_BACKEND_REQ_FD, FrontendRequest.SET_INFLIGHT_FD,
        FrontendRequest.ADD_MEM_REG, FrontendRequest.SET_DEVICE_STATE_FD,
        FrontendRequest.GPU_SET_SOCKET);
    for (FrontendRequest r : FrontendRequest.values()) {
      assertEquals(expected.contains(r), r.mayCarryFds(), r.name());
    }
  }

  @Test
  void explicitRepliesAreTheSection15ListPlusCryptoSession() {
    Set<FrontendRequest> expected = EnumSet.of(
        FrontendRequest.GET_FEATURES, FrontendRequest.GET_PROTOCOL_FEATURES,
        FrontendRequest.GET_VRING_BASE, FrontendRequest.GET_QUEUE_NUM,
        FrontendRequest.GET_CONFIG, FrontendRequest.GET_MAX_MEM_SLOTS,
        FrontendRequest.GET_INFLIGHT_FD, FrontendRequest.SET_LOG_BASE,
        FrontendRequest.GET_SHARED_OBJECT, FrontendRequest.SET_DEVICE_STATE_FD,
        FrontendRequest.CHECK_DEVICE_STATE, FrontendRequest.GET_SHMEM_CONFIG,
        FrontendRequest.POSTCOPY_ADVISE, FrontendRequest.GET_STATUS,
        FrontendRequest.CREATE_CRYPTO_SESSION);
    for (FrontendRequest r : FrontendRequest.values()) {
      assertEquals(expected.contains(r), r.hasExplicitReply(), r.name());
    }
  }

  @Test
  void variableSizeRequestsAreTheOnesWithContentDependentPayloads() {
    Set<FrontendRequest> expected = EnumSet.of(
        FrontendRequest.SET_MEM_TABLE, FrontendRequest.SET_LOG_BASE,
        FrontendRequest.GET_CONFIG, FrontendRequest.SET_CONFIG,
        FrontendRequest.CREATE_CRYPTO_SESSION);
    for (FrontendRequest r : FrontendRequest.values()) {
      assertEquals(expected.contains(r),
          r.fixedPayloadSize() == FrontendRequest.VARIABLE, r.name());
    }
  }

  @Test
  void fixedSizesMatchThePayloadLayouts() {
    assertEquals(0, FrontendRequest.GET_FEATURES.fixedPayloadSize());
    assertEquals(Payloads.U64_SIZE, FrontendRequest.SET_FEATURES.fixedPayloadSize());
    assertEquals(VringState.SIZE, FrontendRequest.SET_VRING_NUM.fixedPayloadSize());
    assertEquals(VringAddress.SIZE, FrontendRequest.SET_VRING_ADDR.fixedPayloadSize());
    assertEquals(VringFdRef.SIZE, FrontendRequest.SET_VRING_KICK.fixedPayloadSize());
    assertEquals(InflightDescription.SIZE, FrontendRequest.SET_INFLIGHT_FD.fixedPayloadSize());
    assertEquals(SingleMemoryRegion.SIZE, FrontendRequest.ADD_MEM_REG.fixedPayloadSize());
    assertEquals(SingleMemoryRegion.SIZE, FrontendRequest.REM_MEM_REG.fixedPayloadSize());
  }
}
