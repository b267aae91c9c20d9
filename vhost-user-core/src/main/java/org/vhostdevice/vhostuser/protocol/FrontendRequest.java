// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

/**
 * Requests a frontend sends on the main socket (core.md §2), with the facts the backend needs
 * before it looks at a payload: which may carry fds (Rust's whitelist, §1.4), the exact payload
 * size where it is fixed (§1.8), and which always get a reply body (§1.5).
 */
public enum FrontendRequest {
  GET_FEATURES(1, 0, FdRule.NONE, ReplyRule.BODY),
  SET_FEATURES(2, 8, FdRule.NONE, ReplyRule.ACK),
  SET_OWNER(3, 0, FdRule.NONE, ReplyRule.ACK),
  RESET_OWNER(4, 0, FdRule.NONE, ReplyRule.ACK),
  SET_MEM_TABLE(5, FrontendRequest.VARIABLE, FdRule.ALLOWED, ReplyRule.ACK),
  /** The spec text says u64 but QEMU sends the 16-byte log description; both sizes pass here. */
  SET_LOG_BASE(6, FrontendRequest.VARIABLE, FdRule.ALLOWED, ReplyRule.BODY),
  SET_LOG_FD(7, 0, FdRule.ALLOWED, ReplyRule.ACK),
  SET_VRING_NUM(8, 8, FdRule.NONE, ReplyRule.ACK),
  SET_VRING_ADDR(9, 40, FdRule.NONE, ReplyRule.ACK),
  SET_VRING_BASE(10, 8, FdRule.NONE, ReplyRule.ACK),
  GET_VRING_BASE(11, 8, FdRule.NONE, ReplyRule.BODY),
  SET_VRING_KICK(12, 8, FdRule.ALLOWED, ReplyRule.ACK),
  SET_VRING_CALL(13, 8, FdRule.ALLOWED, ReplyRule.ACK),
  SET_VRING_ERR(14, 8, FdRule.ALLOWED, ReplyRule.ACK),
  GET_PROTOCOL_FEATURES(15, 0, FdRule.NONE, ReplyRule.BODY),
  SET_PROTOCOL_FEATURES(16, 8, FdRule.NONE, ReplyRule.ACK),
  GET_QUEUE_NUM(17, 0, FdRule.NONE, ReplyRule.BODY),
  SET_VRING_ENABLE(18, 8, FdRule.NONE, ReplyRule.ACK),
  SEND_RARP(19, 8, FdRule.NONE, ReplyRule.ACK),
  NET_SET_MTU(20, 8, FdRule.NONE, ReplyRule.ACK),
  SET_BACKEND_REQ_FD(21, 0, FdRule.ALLOWED, ReplyRule.ACK),
  IOTLB_MSG(22, 32, FdRule.NONE, ReplyRule.ACK),
  SET_VRING_ENDIAN(23, 8, FdRule.NONE, ReplyRule.ACK),
  GET_CONFIG(24, FrontendRequest.VARIABLE, FdRule.NONE, ReplyRule.BODY),
  SET_CONFIG(25, FrontendRequest.VARIABLE, FdRule.NONE, ReplyRule.ACK),
  /** Answered with a session id by definition, although §1.5's list leaves it out. */
  CREATE_CRYPTO_SESSION(26, FrontendRequest.VARIABLE, FdRule.NONE, ReplyRule.BODY),
  CLOSE_CRYPTO_SESSION(27, 8, FdRule.NONE, ReplyRule.ACK),
  POSTCOPY_ADVISE(28, 0, FdRule.NONE, ReplyRule.BODY),
  POSTCOPY_LISTEN(29, 0, FdRule.NONE, ReplyRule.ACK),
  POSTCOPY_END(30, 0, FdRule.NONE, ReplyRule.ACK),
  GET_INFLIGHT_FD(31, 24, FdRule.NONE, ReplyRule.BODY),
  SET_INFLIGHT_FD(32, 24, FdRule.ALLOWED, ReplyRule.ACK),
  GPU_SET_SOCKET(33, 0, FdRule.ALLOWED, ReplyRule.ACK),
  RESET_DEVICE(34, 0, FdRule.NONE, ReplyRule.ACK),
  VRING_KICK(35, 8, FdRule.NONE, ReplyRule.ACK),
  GET_MAX_MEM_SLOTS(36, 0, FdRule.NONE, ReplyRule.BODY),
  ADD_MEM_REG(37, 40, FdRule.ALLOWED, ReplyRule.ACK),
  /** The spec lets a backend accept and close one stray fd here; Rust refuses it, and so do we. */
  REM_MEM_REG(38, 40, FdRule.NONE, ReplyRule.ACK),
  SET_STATUS(39, 8, FdRule.NONE, ReplyRule.ACK),
  GET_STATUS(40, 0, FdRule.NONE, ReplyRule.BODY),
  GET_SHARED_OBJECT(41, 16, FdRule.NONE, ReplyRule.BODY),
  SET_DEVICE_STATE_FD(42, 8, FdRule.ALLOWED, ReplyRule.BODY),
  CHECK_DEVICE_STATE(43, 0, FdRule.NONE, ReplyRule.BODY),
  GET_SHMEM_CONFIG(44, 0, FdRule.NONE, ReplyRule.BODY);

  /** {@link #fixedPayloadSize()} of a request whose size depends on its content. */
  public static final int VARIABLE = -1;

  /** Whether Rust accepts fds with the request. */
  private enum FdRule { NONE, ALLOWED }

  /** ACK: answered only by a REPLY_ACK u64 when asked; BODY: always answered with a body. */
  private enum ReplyRule { ACK, BODY }

  private static final FrontendRequest[] BY_CODE = new FrontendRequest[45];

  static {
    for (FrontendRequest r : values()) {
      BY_CODE[r.code] = r;
    }
  }

  private final int code;
  private final int fixedPayloadSize;
  private final boolean mayCarryFds;
  private final boolean hasExplicitReply;

  FrontendRequest(int code, int fixedPayloadSize, FdRule fds, ReplyRule reply) {
    this.code = code;
    this.fixedPayloadSize = fixedPayloadSize;
    this.mayCarryFds = fds == FdRule.ALLOWED;
    this.hasExplicitReply = reply == ReplyRule.BODY;
  }

  public int code() {
    return code;
  }

  /** The request with this wire code, or null if there is none. */
  public static FrontendRequest of(int code) {
    return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** True if Rust accepts fds with this request; any other request with fds is fatal. */
  public boolean mayCarryFds() {
    return mayCarryFds;
  }

  /** The exact payload size, or {@link #VARIABLE} when the payload decoder checks it. */
  public int fixedPayloadSize() {
    return fixedPayloadSize;
  }

  /**
   * True if the backend always answers with a reply body; for these NEED_REPLY changes nothing,
   * for the others it asks for a REPLY_ACK u64.
   */
  public boolean hasExplicitReply() {
    return hasExplicitReply;
  }
}
