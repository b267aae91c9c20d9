// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

/**
 * The per-request checks Rust makes before dispatching a frontend request (core.md §1.2 rules 1
 * and 5, §1.4). Framing (version, reserved bits, size limit) is the transport's job; payload
 * contents are checked by each payload's decoder.
 */
public final class RequestValidator {
  /** SET_LOG_BASE: the spec's u64, or the 16-byte log description QEMU actually sends. */
  private static final int LOG_BASE_LEGACY_SIZE = 8;

  private RequestValidator() {}

  /**
   * Returns the request {@code m} carries, or closes its fds and throws if the code is unknown,
   * the REPLY bit is set, a fixed-size payload has the wrong size, or fds came with a request
   * that may not carry any.
   */
  public static FrontendRequest validate(Message m) throws ProtocolException {
    FrontendRequest r = m.request();
    if (r == null) {
      throw Payloads.reject(m, "unknown request code");
    }
    if (m.isReply()) {
      throw Payloads.reject(m, "REPLY flag set on a request (flags 0x"
          + Integer.toHexString(m.flags()) + ")");
    }
    int fixed = r.fixedPayloadSize();
    if (fixed != FrontendRequest.VARIABLE && m.size() != fixed) {
      throw Payloads.reject(m, "payload is " + m.size() + " bytes, expected " + fixed);
    }
    if (r == FrontendRequest.SET_LOG_BASE
        && m.size() != LOG_BASE_LEGACY_SIZE
        && m.size() != LogDescription.SIZE) {
      throw Payloads.reject(m, "payload is " + m.size() + " bytes, expected "
          + LOG_BASE_LEGACY_SIZE + " or " + LogDescription.SIZE);
    }
    if (m.fdCount() > 0 && !r.mayCarryFds()) {
      throw Payloads.reject(m, m.fdCount() + " unexpected fd(s)");
    }
    return r;
  }
}
