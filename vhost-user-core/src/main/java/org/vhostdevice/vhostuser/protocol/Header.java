// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The 12-byte header that starts every vhost-user message (core.md §1.2). Host byte order. */
public final class Header {
  public static final int SIZE = 12;
  public static final int REQUEST_OFFSET = 0;
  public static final int FLAGS_OFFSET = 4;
  public static final int SIZE_OFFSET = 8;

  public static final int VERSION = 1;
  public static final int VERSION_MASK = 0x3;
  public static final int REPLY = 0x4;
  public static final int NEED_REPLY = 0x8;
  /** Bits 4-31 of the flags word: reserved, must be zero. */
  public static final int RESERVED_MASK = 0xFFFF_FFF0;
  /** Flags of every reply: QEMU fails on anything but exactly REPLY | version 1. */
  public static final int REPLY_FLAGS = REPLY | VERSION;
  /** Rust's MAX_MSG_SIZE: the largest payload either side accepts. */
  public static final int MAX_PAYLOAD = 4096;

  private Header() {}

  /** The header bytes for a message with {@code size} payload bytes. */
  public static byte[] encode(int code, int flags, int size) {
    return ByteBuffer.allocate(SIZE)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(REQUEST_OFFSET, code)
        .putInt(FLAGS_OFFSET, flags)
        .putInt(SIZE_OFFSET, size)
        .array();
  }

  /**
   * The checks Rust makes on every header before it reads the payload (rules 2-4 of §1.2): a peer
   * that gets these wrong speaks another protocol, or is hostile, so nothing after it is trusted.
   */
  public static void checkFraming(int flags, int size) throws ProtocolException {
    if ((flags & VERSION_MASK) != VERSION) {
      throw new ProtocolException(
          "unsupported protocol version " + (flags & VERSION_MASK) + " in flags 0x"
              + Integer.toHexString(flags));
    }
    if ((flags & RESERVED_MASK) != 0) {
      throw new ProtocolException("reserved flag bits set: 0x" + Integer.toHexString(flags));
    }
    if (Integer.compareUnsigned(size, MAX_PAYLOAD) > 0) {
      throw new ProtocolException(
          "payload of " + Integer.toUnsignedString(size) + " bytes exceeds " + MAX_PAYLOAD);
    }
  }
}
