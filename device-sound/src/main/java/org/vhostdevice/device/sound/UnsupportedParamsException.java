// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/** PCM parameters the device does not offer (a format, rate or channel count): NOT_SUPP. */
final class UnsupportedParamsException extends SoundException {
  UnsupportedParamsException(String message) {
    super(message);
  }

  @Override
  int status() {
    return VirtioSnd.S_NOT_SUPP;
  }
}
