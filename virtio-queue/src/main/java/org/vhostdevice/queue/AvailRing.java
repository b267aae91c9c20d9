// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

/** Layout of the available ring (driver area, struct virtq_avail, little-endian). */
public final class AvailRing {
  public static final int FLAGS = 0;
  public static final int IDX = 2;
  public static final int RING = 4;
  public static final int ELEM_SIZE = 2;
  /** The driver asks not to be interrupted (honoured only without EVENT_IDX). */
  public static final int F_NO_INTERRUPT = 1;
  public static final int ALIGN = 2;

  private AvailRing() {}

  /** Offset of {@code used_event}, the driver's notification threshold under EVENT_IDX. */
  public static long usedEventOffset(int size) {
    return RING + (long) ELEM_SIZE * size;
  }

  public static long byteSize(int size) {
    return usedEventOffset(size) + 2;
  }
}
