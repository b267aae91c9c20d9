// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.io.IOException;

/**
 * A transfer to an address no listed adapter serves. Guests do this all the time while scanning
 * the bus, so it is answered with an error status and not logged.
 */
public final class UnknownClientException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnknownClientException(int address) {
    super("Invalid Client Address: " + address);
  }
}
