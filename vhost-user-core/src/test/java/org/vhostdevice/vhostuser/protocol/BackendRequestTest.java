// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class BackendRequestTest {
  @Test
  void codesRunFromOneToTenInSpecOrder() {
    BackendRequest[] all = BackendRequest.values();
    assertEquals(10, all.length);
    for (int i = 0; i < all.length; i++) {
      assertEquals(i + 1, all[i].code());
      assertEquals(all[i], BackendRequest.of(i + 1));
    }
    assertEquals(2, BackendRequest.CONFIG_CHANGE_MSG.code());
  }

  @Test
  void unknownCodesMapToNull() {
    assertNull(BackendRequest.of(0));
    assertNull(BackendRequest.of(11));
  }
}
