// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

/** Layout of a split-ring descriptor (virtio 1.x, struct virtq_desc, little-endian). */
public final class VirtqDesc {
  public static final int SIZE = 16;
  public static final int ADDR = 0;
  public static final int LEN = 8;
  public static final int FLAGS = 12;
  public static final int NEXT = 14;

  /** The chain continues at {@code next}. */
  public static final int F_NEXT = 1;
  /** The buffer is device-writable (otherwise device-readable). */
  public static final int F_WRITE = 2;
  /** The buffer holds a table of descriptors. */
  public static final int F_INDIRECT = 4;

  /** Required alignment of the descriptor table. */
  public static final int ALIGN = 16;

  private VirtqDesc() {}
}
