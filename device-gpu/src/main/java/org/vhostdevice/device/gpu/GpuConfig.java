// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.util.EnumSet;
import java.util.Set;

/**
 * The checked configuration of one daemon: mode, capsets and the renderer flags.
 *
 * @param displayTimeoutNanos how long a display exchange may take before the peer is given up
 */
record GpuConfig(GpuMode mode, Set<Capset> capsets, boolean useEgl, boolean useGlx,
    boolean useGles, boolean useSurfaceless, long displayTimeoutNanos) {

  /** Thrown for an impossible combination; the message is what the user sees. */
  static final class InvalidConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidConfigException(String message) {
      super(message);
    }
  }

  /**
   * Checks the options in the Rust daemon's order and with its messages. {@code requested} null
   * means "every capset of the mode".
   */
  static GpuConfig of(GpuMode mode, Set<Capset> requested, boolean useEgl, boolean useGlx,
      boolean useGles, boolean useSurfaceless, long displayTimeoutNanos)
      throws InvalidConfigException {
    Set<Capset> capsets = requested == null
        ? (mode.capsets.isEmpty() ? EnumSet.noneOf(Capset.class) : EnumSet.copyOf(mode.capsets))
        : (requested.isEmpty() ? EnumSet.noneOf(Capset.class) : EnumSet.copyOf(requested));
    for (Capset c : capsets) {
      if (!mode.capsets.contains(c)) {
        throw new InvalidConfigException(
            "The mode " + mode + " does not support " + c + " capset");
      }
    }
    if (capsets.contains(Capset.GFXSTREAM_GLES) && !useGles) {
      throw new InvalidConfigException("Requested gfxstream-gles capset, but gles is disabled");
    }
    return new GpuConfig(mode, capsets, useEgl, useGlx, useGles, useSurfaceless,
        displayTimeoutNanos);
  }
}
