// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.util.EnumSet;
import java.util.Set;

/** {@code -g/--gpu-mode}: which renderer serves the guest. */
enum GpuMode {
  /** 3D through virglrenderer (the Rust daemon's mode); not available in this daemon yet. */
  VIRGLRENDERER("virglrenderer", EnumSet.of(Capset.VIRGL, Capset.VIRGL2)),
  /** gfxstream: no Debian package exists, so it is refused with a message. */
  GFXSTREAM("gfxstream", EnumSet.of(Capset.GFXSTREAM_VULKAN, Capset.GFXSTREAM_GLES)),
  /** The software 2D renderer: no GPU library, everything the Linux 2D driver needs. */
  TWO_D("2d", EnumSet.noneOf(Capset.class)),
  /** Commands are checked and answered but nothing is stored or shown (CI, like upstream). */
  NULL("null", EnumSet.noneOf(Capset.class));

  final String cliName;
  final Set<Capset> capsets;

  GpuMode(String cliName, Set<Capset> capsets) {
    this.cliName = cliName;
    this.capsets = capsets;
  }

  /** Parses a mode name as the Rust daemon spells it (plus its {@code virgl-renderer} alias). */
  static GpuMode parse(String s) {
    for (GpuMode m : values()) {
      if (m.cliName.equals(s)) {
        return m;
      }
    }
    if (s.equals("virgl-renderer")) {
      return VIRGLRENDERER;
    }
    throw new IllegalArgumentException(
        "invalid value '" + s + "': possible values are virglrenderer, gfxstream, 2d, null");
  }

  @Override
  public String toString() {
    return cliName;
  }
}
