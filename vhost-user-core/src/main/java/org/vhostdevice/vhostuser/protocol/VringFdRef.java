// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

/**
 * The u64 of SET_VRING_KICK, SET_VRING_CALL and SET_VRING_ERR: a ring index in bits 0-7 and, in
 * bit 8, "no fd attached". Higher bits are ignored, as Rust ignores them.
 */
public record VringFdRef(int index, boolean noFd) {
  public static final int SIZE = Payloads.U64_SIZE;
  static final long INDEX_MASK = 0xFF;
  static final long NO_FD = 0x100;

  public VringFdRef {
    if ((index & ~INDEX_MASK) != 0) {
      throw new IllegalArgumentException("vring index " + index + " does not fit in 8 bits");
    }
  }

  /** Decodes the u64 and checks that the fds match it: one without the no-fd bit, none with it. */
  public static VringFdRef decode(Message m) throws ProtocolException {
    long value = Payloads.decodeU64(m);
    VringFdRef ref = new VringFdRef((int) (value & INDEX_MASK), (value & NO_FD) != 0);
    if (ref.noFd && m.fdCount() != 0) {
      throw Payloads.reject(m, "no-fd bit set but " + m.fdCount() + " fd(s) attached");
    }
    if (!ref.noFd && m.fdCount() != 1) {
      throw Payloads.reject(m, "needs exactly 1 fd, got " + m.fdCount());
    }
    return ref;
  }

  public byte[] encode() {
    return Payloads.encodeU64(index | (noFd ? NO_FD : 0));
  }
}
