// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The plain u64 payload, and the checks every payload decoder shares. */
public final class Payloads {
  public static final int U64_SIZE = 8;

  private Payloads() {}

  public static long decodeU64(Message m) throws ProtocolException {
    requireSize(m, U64_SIZE);
    return m.payload().getLong(0);
  }

  public static byte[] encodeU64(long value) {
    return allocate(U64_SIZE).putLong(0, value).array();
  }

  /**
   * Checks that exactly {@code count} fds came with {@code m}, for requests whose fds have no
   * payload of their own to decode (SET_BACKEND_REQ_FD, SET_LOG_BASE, ADD_MEM_REG...).
   */
  public static void requireFds(Message m, int count) throws ProtocolException {
    if (m.fdCount() != count) {
      throw reject(m, "needs exactly " + count + " fd(s), got " + m.fdCount());
    }
  }

  static void requireSize(Message m, int size) throws ProtocolException {
    if (m.size() != size) {
      throw reject(m, "payload is " + m.size() + " bytes, expected " + size);
    }
  }

  /** A little-endian buffer of {@code size} zero bytes, backed by an array. */
  static ByteBuffer allocate(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * The exception for a rejected message, after closing its fds: the session is about to end,
   * and a rejected message must not keep guest memory or eventfds open until then.
   */
  static ProtocolException reject(Message m, String problem) {
    m.closeFds();
    FrontendRequest r = m.request();
    String name = r != null ? r.name() : "request " + Integer.toUnsignedString(m.code());
    return new ProtocolException(name + ": " + problem);
  }

  /** True if {@code a + b} does not fit in a u64. */
  static boolean overflowsU64(long a, long b) {
    return Long.compareUnsigned(a + b, a) < 0;
  }

  static String hex(long value) {
    return "0x" + Long.toHexString(value);
  }
}
