// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vhostdevice.device.sound.PcmState.*;

import org.junit.jupiter.api.Test;

/** The state machine and its messages (the Rust stream.rs tests). */
class PcmStateTest {
  private static PcmState walk(PcmState s, PcmState... steps) throws Exception {
    for (PcmState n : steps) {
      s = s.enter(n);
    }
    return s;
  }

  @Test
  void validTransitions() throws Exception {
    assertEquals(RELEASE, walk(SET_PARAMS, SET_PARAMS, PREPARE, PREPARE, START, STOP, START, STOP,
        RELEASE));
    assertEquals(SET_PARAMS, walk(RELEASE, SET_PARAMS));
    assertEquals(PREPARE, walk(RELEASE, PREPARE));
    assertEquals(RELEASE, walk(PREPARE, RELEASE));
  }

  @Test
  void invalidTransitionsNameBothStates() {
    PcmState[][] refused = {
      {SET_PARAMS, RELEASE}, {SET_PARAMS, START}, {SET_PARAMS, STOP}, {PREPARE, STOP},
      {START, SET_PARAMS}, {START, RELEASE}, {START, PREPARE}, {START, START},
      {STOP, SET_PARAMS}, {STOP, PREPARE}, {STOP, STOP}, {RELEASE, START}, {RELEASE, STOP},
      {RELEASE, RELEASE}
    };
    for (PcmState[] t : refused) {
      InvalidTransitionException e =
          assertThrows(InvalidTransitionException.class, () -> t[0].enter(t[1]));
      assertEquals(t[0], e.from());
      assertEquals(t[1], e.to());
      assertEquals(VirtioSnd.S_BAD_MSG, e.status());
    }
    assertEquals("Guest driver request an invalid stream state transition from "
        + "VIRTIO_SND_R_PCM_SET_PARAMS to VIRTIO_SND_R_PCM_RELEASE.",
        assertThrows(InvalidTransitionException.class, () -> SET_PARAMS.enter(RELEASE))
            .getMessage());
  }

  @Test
  void ioIsTakenFromPrepareToStop() {
    assertEquals(false, SET_PARAMS.acceptsIo());
    assertEquals(true, PREPARE.acceptsIo());
    assertEquals(true, START.acceptsIo());
    assertEquals(true, STOP.acceptsIo());
    assertEquals(false, RELEASE.acceptsIo());
  }
}
