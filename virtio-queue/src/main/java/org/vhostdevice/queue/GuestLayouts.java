// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Little-endian layouts for guest structures. Ring indices and event fields are shared with the
 * other side and go through {@link #U16_ATOMIC} (naturally aligned; acquire/release); descriptor
 * fields, ring entries and buffer data are plain and may sit at any address in a buffer.
 */
final class GuestLayouts {
  static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LITTLE_ENDIAN);
  static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LITTLE_ENDIAN);
  static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LITTLE_ENDIAN);

  /** Coordinates (MemorySegment, long offset); the address must be 2-byte aligned. */
  static final VarHandle U16_ATOMIC =
      ValueLayout.JAVA_SHORT.withOrder(LITTLE_ENDIAN).varHandle();

  private GuestLayouts() {}
}
