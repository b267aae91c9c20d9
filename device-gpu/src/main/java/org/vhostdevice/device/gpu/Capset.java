// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.util.Set;
import java.util.stream.Collectors;

/** {@code -c/--capset}: capability sets, numbered as in the virtio spec (and rutabaga). */
enum Capset {
  VIRGL("virgl", 1),
  VIRGL2("virgl2", 2),
  GFXSTREAM_VULKAN("gfxstream-vulkan", 3),
  GFXSTREAM_GLES("gfxstream-gles", 8);

  final String cliName;
  final int id;

  Capset(String cliName, int id) {
    this.cliName = cliName;
    this.id = id;
  }

  /** The bit of this capset in the Rust daemon's mask: 1 << id. */
  long bit() {
    return 1L << id;
  }

  static Capset parse(String s) {
    for (Capset c : values()) {
      if (c.cliName.equals(s)) {
        return c;
      }
    }
    throw new IllegalArgumentException("invalid value '" + s
        + "': possible values are virgl, virgl2, gfxstream-vulkan, gfxstream-gles");
  }

  static long mask(Set<Capset> set) {
    long m = 0;
    for (Capset c : set) {
      m |= c.bit();
    }
    return m;
  }

  /** Names joined with ", " in id order, as the Rust daemon displays a capset list. */
  static String display(Set<Capset> set) {
    return set.stream().sorted().map(c -> c.cliName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
