// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

/** {@code -d} names a device kind this daemon does not have. */
final class UnknownDeviceException extends Exception {
  private static final long serialVersionUID = 1L;

  UnknownDeviceException(String kind) {
    super("Unknown device requested: " + kind);
  }
}
