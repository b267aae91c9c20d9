// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.device;

import java.io.IOException;

/**
 * Creates a fresh device for each frontend connection. Resources shared by all connections (an
 * entropy source, a host bus) are captured by the factory; per-guest state lives in the device.
 */
@FunctionalInterface
public interface DeviceFactory {
  /**
   * @param instance the socket index for daemons serving several guests ({@code -c N}), else 0
   */
  VirtioDevice create(int instance) throws IOException;
}
