// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;

/**
 * SET_VRING_ADDR: where a ring's three parts live, as frontend virtual addresses. On the wire the
 * used ring comes before the available ring.
 */
public record VringAddress(int index, int flags, long desc, long used, long avail, long log) {
  public static final int SIZE = 40;
  static final int INDEX_OFFSET = 0;
  static final int FLAGS_OFFSET = 4;
  static final int DESC_OFFSET = 8;
  static final int USED_OFFSET = 16;
  static final int AVAIL_OFFSET = 24;
  static final int LOG_OFFSET = 32;

  /** VHOST_VRING_F_LOG: write used-ring changes to the dirty log at {@link #log()}. */
  public static final int F_LOG = 0x1;

  /** The virtio alignments of the descriptor table, available ring and used ring. */
  static final int DESC_ALIGN = 16;
  static final int AVAIL_ALIGN = 2;
  static final int USED_ALIGN = 4;

  public static VringAddress decode(Message m) throws ProtocolException {
    Payloads.requireSize(m, SIZE);
    ByteBuffer b = m.payload();
    VringAddress a = new VringAddress(
        b.getInt(INDEX_OFFSET), b.getInt(FLAGS_OFFSET), b.getLong(DESC_OFFSET),
        b.getLong(USED_OFFSET), b.getLong(AVAIL_OFFSET), b.getLong(LOG_OFFSET));
    if ((a.flags & ~F_LOG) != 0) {
      throw Payloads.reject(m, "unknown flags 0x" + Integer.toHexString(a.flags));
    }
    // Checked on the frontend addresses, as Rust does: a misaligned ring cannot be valid.
    if (a.desc % DESC_ALIGN != 0) {
      throw Payloads.reject(m, "descriptor table " + Payloads.hex(a.desc) + " is not 16-aligned");
    }
    if (a.avail % AVAIL_ALIGN != 0) {
      throw Payloads.reject(m, "available ring " + Payloads.hex(a.avail) + " is not 2-aligned");
    }
    if (a.used % USED_ALIGN != 0) {
      throw Payloads.reject(m, "used ring " + Payloads.hex(a.used) + " is not 4-aligned");
    }
    return a;
  }

  public byte[] encode() {
    return Payloads.allocate(SIZE)
        .putInt(INDEX_OFFSET, index)
        .putInt(FLAGS_OFFSET, flags)
        .putLong(DESC_OFFSET, desc)
        .putLong(USED_OFFSET, used)
        .putLong(AVAIL_OFFSET, avail)
        .putLong(LOG_OFFSET, log)
        .array();
  }
}
