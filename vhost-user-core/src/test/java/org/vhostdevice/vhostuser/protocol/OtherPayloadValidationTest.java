// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.vhostdevice.vhostuser.protocol.Rejections.assertRejected;

import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** The log and inflight checks of core.md §1.8. */
class OtherPayloadValidationTest {
  @Test
  void rejectsEmptyLog() throws NativeException {
    assertRejected(LogDescription::decode, FrontendRequest.SET_LOG_BASE,
        new LogDescription(0, 0).encode(), 1);
  }

  @Test
  void rejectsLogThatWrapsAround() throws NativeException {
    assertRejected(LogDescription::decode, FrontendRequest.SET_LOG_BASE,
        new LogDescription(0x2000, -0x1000L).encode(), 1);
  }

  @Test
  void rejectsTheLegacyEightByteLog() throws NativeException {
    assertRejected(LogDescription::decode, FrontendRequest.SET_LOG_BASE,
        Payloads.encodeU64(0x1000), 1);
  }

  @Test
  void rejectsInflightWithoutQueues() throws NativeException {
    assertRejected(InflightDescription::decode, FrontendRequest.SET_INFLIGHT_FD,
        new InflightDescription(0x1000, 0, 0, 256).encode(), 1);
  }

  @Test
  void rejectsInflightWithoutQueueSize() throws NativeException {
    assertRejected(InflightDescription::decode, FrontendRequest.GET_INFLIGHT_FD,
        new InflightDescription(0, 0, 2, 0).encode(), 0);
  }

  @Test
  void requireFdsRejectsAMissingBackendChannel() throws NativeException {
    assertRejected(m -> {
      Payloads.requireFds(m, 1);
      return null;
    }, FrontendRequest.SET_BACKEND_REQ_FD, new byte[0], 0);
  }

  @Test
  void requireFdsRejectsExtraFds() throws NativeException {
    assertRejected(m -> {
      Payloads.requireFds(m, 1);
      return null;
    }, FrontendRequest.SET_BACKEND_REQ_FD, new byte[0], 2);
  }
}
