// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.util.Set;

/** Starts the process's virglrenderer once for all tests, or says why it cannot start. */
final class VirglAvailability {
  private static boolean tried;
  private static VirglRenderer renderer;
  private static String reason;

  private VirglAvailability() {}

  static synchronized VirglRenderer renderer() {
    if (!tried) {
      tried = true;
      try {
        renderer = VirglRenderer.start(config());
      } catch (VirglRenderer.VirglUnavailableException e) {
        reason = "virglrenderer cannot start here: " + e.getMessage();
      }
    }
    return renderer;
  }

  static GpuConfig config() {
    try {
      return GpuConfig.of(GpuMode.VIRGLRENDERER, null, true, false, true, true, 2_000_000_000L);
    } catch (GpuConfig.InvalidConfigException e) {
      throw new AssertionError(e);
    }
  }

  static synchronized String reason() {
    return reason;
  }

  static Set<Capset> capsets() {
    return GpuMode.VIRGLRENDERER.capsets;
  }
}
