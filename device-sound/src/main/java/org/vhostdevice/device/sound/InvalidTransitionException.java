// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/** The guest asked for a PCM state change the state machine does not allow (BAD_MSG). */
final class InvalidTransitionException extends SoundException {
  private final PcmState from;
  private final PcmState to;

  InvalidTransitionException(PcmState from, PcmState to) {
    super("Guest driver request an invalid stream state transition from " + from + " to " + to
        + ".");
    this.from = from;
    this.to = to;
  }

  PcmState from() {
    return from;
  }

  PcmState to() {
    return to;
  }

  @Override
  int status() {
    return VirtioSnd.S_BAD_MSG;
  }
}
