// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

/** A VM description (flags, {@code --vm} or the YAML file) that cannot be used, and why. */
public final class VmConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public VmConfigException(String message) {
    super(message);
  }

  public VmConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
