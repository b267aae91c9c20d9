// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/** A malformed request: an unknown stream id, a short body, inconsistent sizes (BAD_MSG). */
final class BadRequestException extends SoundException {
  BadRequestException(String message) {
    super(message);
  }

  @Override
  int status() {
    return VirtioSnd.S_BAD_MSG;
  }
}
