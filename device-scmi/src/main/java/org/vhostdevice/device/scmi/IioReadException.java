// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.io.IOException;

/** An IIO sysfs value could not be read or parsed (answered with GENERIC_ERROR). */
final class IioReadException extends IOException {
  private static final long serialVersionUID = 1L;

  IioReadException(String message) {
    super(message);
  }

  IioReadException(String message, Throwable cause) {
    super(message, cause);
  }
}
