// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

/** Device-independent virtio feature bits (virtio spec "Reserved Feature Bits"). */
public final class VirtioFeatures {
  public static final long NOTIFY_ON_EMPTY = 1L << 24;
  /** vhost's dirty-logging bit, carried in the same word. */
  public static final long VHOST_F_LOG_ALL = 1L << 26;
  public static final long ANY_LAYOUT = 1L << 27;
  public static final long RING_INDIRECT_DESC = 1L << 28;
  public static final long RING_EVENT_IDX = 1L << 29;
  /** vhost-user reuses the reserved bit 30 to announce protocol features. */
  public static final long VHOST_USER_PROTOCOL_FEATURES = 1L << 30;
  public static final long VERSION_1 = 1L << 32;
  public static final long ACCESS_PLATFORM = 1L << 33;
  public static final long RING_PACKED = 1L << 34;
  public static final long IN_ORDER = 1L << 35;

  private VirtioFeatures() {}
}
