// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/** Opens host PCMs for a backend: alsa-lib in production, fakes in tests. */
@FunctionalInterface
interface HostPcmOpener {
  /** A non-blocking PCM for playback ({@code D_OUTPUT}) or capture ({@code D_INPUT}). */
  HostPcm open(int direction) throws AudioIoException;
}
