// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.io.IOException;

/** The display peer did not read or answer a vhost-user-gpu message before its deadline. */
final class DisplayTimeoutException extends IOException {
  private static final long serialVersionUID = 1L;

  DisplayTimeoutException(String message) {
    super(message);
  }
}
