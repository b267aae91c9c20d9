// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/**
 * The PCM stream state machine of virtio-snd (each state is named after the request that
 * entered it). The transitions are the Rust daemon's; unlike it, every backend (null included)
 * enforces them, and a refused transition is a BAD_MSG answer, never a crash.
 */
enum PcmState {
  SET_PARAMS("VIRTIO_SND_R_PCM_SET_PARAMS"),
  PREPARE("VIRTIO_SND_R_PCM_PREPARE"),
  RELEASE("VIRTIO_SND_R_PCM_RELEASE"),
  START("VIRTIO_SND_R_PCM_START"),
  STOP("VIRTIO_SND_R_PCM_STOP");

  private final String wireName;

  PcmState(String wireName) {
    this.wireName = wireName;
  }

  /** Whether a stream in this state may enter {@code next}. */
  boolean canEnter(PcmState next) {
    return switch (next) {
      case SET_PARAMS, PREPARE -> this == SET_PARAMS || this == PREPARE || this == RELEASE;
      case START -> this == PREPARE || this == STOP;
      case STOP -> this == START;
      case RELEASE -> this == PREPARE || this == STOP;
    };
  }

  /** The state after {@code next}, or an exception naming both ends of the refused transition. */
  PcmState enter(PcmState next) throws InvalidTransitionException {
    if (!canEnter(next)) {
      throw new InvalidTransitionException(this, next);
    }
    return next;
  }

  /** States in which the stream takes I/O requests (data may be queued before START). */
  boolean acceptsIo() {
    return this == PREPARE || this == START || this == STOP;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
