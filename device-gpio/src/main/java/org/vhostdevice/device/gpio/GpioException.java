// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import java.io.IOException;

/** A GPIO request the controller refuses (the guest gets status ERR); says why. */
public final class GpioException extends IOException {
  private static final long serialVersionUID = 1L;

  public GpioException(String message) {
    super(message);
  }
}
