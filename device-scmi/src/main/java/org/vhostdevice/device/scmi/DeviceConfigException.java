// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

/** A sensor given with {@code -d} cannot be set up (bad properties, missing sysfs files, ...). */
final class DeviceConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  DeviceConfigException(String message) {
    super(message);
  }

  DeviceConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
