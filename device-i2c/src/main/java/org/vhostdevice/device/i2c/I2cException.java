// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.io.IOException;

/**
 * A transfer or adapter setup the daemon refuses (not a failed system call: those are {@link
 * org.vhostdevice.sys.NativeException}s naming the ioctl). The message says what was wrong, in the
 * Rust daemon's words where it has them.
 */
public final class I2cException extends IOException {
  private static final long serialVersionUID = 1L;

  public I2cException(String message) {
    super(message);
  }
}
