// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * GET_CONFIG and SET_CONFIG: a window of device config space. In a GET_CONFIG request the data is
 * filler of the requested size; in its reply, and in SET_CONFIG, it is the config bytes.
 */
public record ConfigSpace(int offset, int size, int flags, byte[] data) {
  public static final int HEADER_SIZE = 12;
  static final int OFFSET_OFFSET = 0;
  static final int SIZE_OFFSET = 4;
  static final int FLAGS_OFFSET = 8;
  static final int DATA_OFFSET = 12;

  /** Rust's flag bits; QEMU's value 1 (a write during live migration) arrives as WRITABLE. */
  public static final int FLAG_WRITABLE = 0x1;
  public static final int FLAG_LIVE_MIGRATION = 0x2;
  /** The config window must end within the first 4 KiB (Rust's VHOST_USER_CONFIG_SIZE). */
  public static final long MAX_END = 4096;

  /** Copies {@code data}, which must hold exactly {@code size} bytes. */
  public ConfigSpace {
    data = data.clone();
    if (data.length != Integer.toUnsignedLong(size)) {
      throw new IllegalArgumentException(
          "size " + Integer.toUnsignedString(size) + " but " + data.length + " data bytes");
    }
  }

  public static ConfigSpace decode(Message m) throws ProtocolException {
    if (m.size() < HEADER_SIZE) {
      throw Payloads.reject(m, "payload of " + m.size() + " bytes is shorter than its header");
    }
    ByteBuffer b = m.payload();
    int offset = b.getInt(OFFSET_OFFSET);
    int size = b.getInt(SIZE_OFFSET);
    int flags = b.getInt(FLAGS_OFFSET);
    if ((flags & ~(FLAG_WRITABLE | FLAG_LIVE_MIGRATION)) != 0) {
      throw Payloads.reject(m, "unknown flags 0x" + Integer.toHexString(flags));
    }
    if (size == 0) {
      throw Payloads.reject(m, "size is 0");
    }
    // Unsigned u32 + u32 in a long cannot overflow, so this is the Rust overflow check too.
    long end = Integer.toUnsignedLong(offset) + Integer.toUnsignedLong(size);
    if (end > MAX_END) {
      throw Payloads.reject(m, "window " + Integer.toUnsignedString(offset) + "+"
          + Integer.toUnsignedString(size) + " ends beyond " + MAX_END);
    }
    if (m.size() != HEADER_SIZE + size) {
      throw Payloads.reject(m, "payload is " + m.size() + " bytes, size " + size + " needs "
          + (HEADER_SIZE + size));
    }
    byte[] data = new byte[size];
    b.get(DATA_OFFSET, data);
    return new ConfigSpace(offset, size, flags, data);
  }

  /** A copy of the config bytes. */
  @Override
  public byte[] data() {
    return data.clone();
  }

  public byte[] encode() {
    ByteBuffer b = Payloads.allocate(HEADER_SIZE + data.length);
    b.putInt(OFFSET_OFFSET, offset).putInt(SIZE_OFFSET, size).putInt(FLAGS_OFFSET, flags);
    b.put(DATA_OFFSET, data);
    return b.array();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfigSpace c
        && c.offset == offset && c.size == size && c.flags == flags && Arrays.equals(c.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * offset + size) + flags) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "ConfigSpace[offset=" + Integer.toUnsignedString(offset) + ", size="
        + Integer.toUnsignedString(size) + ", flags=" + flags + ", data="
        + Arrays.toString(data) + "]";
  }
}
