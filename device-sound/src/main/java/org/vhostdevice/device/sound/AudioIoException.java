// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/** The host audio system failed (a PCM that cannot be opened or configured): IO_ERR. */
final class AudioIoException extends SoundException {
  AudioIoException(String message) {
    super(message);
  }

  AudioIoException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  int status() {
    return VirtioSnd.S_IO_ERR;
  }
}
