// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guest's view of held keys and the releases owed to it. */
class GuestKeyStateTest {
  private final GuestKeyState keys = new GuestKeyState();

  private List<Integer> owed() {
    List<Integer> out = new ArrayList<>();
    keys.takeOwed(out::add);
    return out;
  }

  @Test
  void aLostReleaseOfAHeldKeyIsOwedOnce() {
    keys.delivered(GuestKeyState.EV_KEY, 30, 1);
    keys.lost(GuestKeyState.EV_KEY, 30, 0);
    keys.lost(GuestKeyState.EV_KEY, 30, 0);
    assertEquals(1, keys.owedCount());
    assertEquals(List.of(30), owed());
    assertEquals(0, keys.owedCount());
  }

  @Test
  void aRepeatHoldsTheKeyAndAReleaseFreesIt() {
    keys.delivered(GuestKeyState.EV_KEY, 40, 2);
    keys.delivered(GuestKeyState.EV_KEY, 41, 1);
    keys.delivered(GuestKeyState.EV_KEY, 41, 0);
    keys.lost(GuestKeyState.EV_KEY, 40, 0);
    keys.lost(GuestKeyState.EV_KEY, 41, 0);
    assertEquals(List.of(40), owed());
  }

  @Test
  void lostPressesAndOtherTypesOweNothing() {
    keys.delivered(InputConfig.EV_REL, 0, 5);
    keys.lost(GuestKeyState.EV_KEY, 30, 1);
    keys.lost(InputConfig.EV_REL, 0, 0);
    keys.lost(GuestKeyState.EV_KEY, 0xffff, 0);
    assertEquals(0, keys.owedCount());
  }

  @Test
  void resyncOwesTheHeldKeysThatAreUpNowInAscendingOrder() {
    for (int key : new int[] {0x2ff, 2, 28, 30}) {
      keys.delivered(GuestKeyState.EV_KEY, key, 1);
    }
    byte[] down = new byte[4];
    down[3] = 1 << 4; // key 28 is still down; the bitmap is short: 0x2ff counts as up
    keys.resync(down);
    assertEquals(List.of(2, 30, 0x2ff), owed());
  }

  @Test
  void clearForgetsHeldAndOwedKeys() {
    keys.delivered(GuestKeyState.EV_KEY, 30, 1);
    keys.lost(GuestKeyState.EV_KEY, 30, 0);
    keys.clear();
    assertEquals(0, keys.owedCount());
    keys.lost(GuestKeyState.EV_KEY, 30, 0);
    assertEquals(0, keys.owedCount());
  }
}
