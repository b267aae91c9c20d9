// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/** A control request that failed; {@link #status()} is the virtio-snd status the guest gets. */
abstract class SoundException extends Exception {
  SoundException(String message) {
    super(message);
  }

  SoundException(String message, Throwable cause) {
    super(message, cause);
  }

  abstract int status();
}
