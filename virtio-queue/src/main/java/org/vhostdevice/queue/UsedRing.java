// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

/** Layout of the used ring (device area, struct virtq_used, little-endian). */
public final class UsedRing {
  public static final int FLAGS = 0;
  public static final int IDX = 2;
  public static final int RING = 4;
  /** struct virtq_used_elem: u32 id, u32 len. */
  public static final int ELEM_SIZE = 8;
  public static final int ELEM_ID = 0;
  public static final int ELEM_LEN = 4;
  /** The device asks not to be kicked (honoured only without EVENT_IDX). */
  public static final int F_NO_NOTIFY = 1;
  public static final int ALIGN = 4;

  private UsedRing() {}

  /** Offset of {@code avail_event}, the device's kick threshold under EVENT_IDX. */
  public static long availEventOffset(int size) {
    return RING + (long) ELEM_SIZE * size;
  }

  public static long byteSize(int size) {
    return availEventOffset(size) + 2;
  }
}
