// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.vhostdevice.device.can.VirtioCan.F_CAN_CLASSIC;
import static org.vhostdevice.device.can.VirtioCan.F_CAN_FD;
import static org.vhostdevice.device.can.VirtioCan.F_RTR_FRAMES;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_FLAGS_EXTENDED;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_FLAGS_FD;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_FLAGS_RTR;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_FLAGS_VALID_MASK;

/**
 * The translation between virtio-can frames and SocketCAN frames, with virtio-can's rules on
 * what the negotiated features allow. Pure functions: the tests mirror Rust's check_tx_frame and
 * check_rx_frame tests on them.
 */
final class VirtioCanFrames {
  // Why a guest frame is refused (constants: the refusal path allocates nothing).
  static final String UNKNOWN_TYPE = "unknown message type";
  static final String BAD_FLAGS = "undefined flag bits";
  static final String ID_TOO_BIG_29 = "extended id above 29 bits";
  static final String ID_TOO_BIG_11 = "standard id above 11 bits";
  static final String RTR_NOT_NEGOTIATED = "RTR frames not negotiated";
  static final String RTR_WITH_FD = "RTR is classic CAN only";
  static final String FD_NOT_NEGOTIATED = "CAN FD frames not negotiated";
  static final String CLASSIC_NOT_NEGOTIATED = "classic CAN frames not negotiated";
  static final String BAD_LENGTH = "invalid data length";

  /** Why a host frame is not delivered (-1 ... -4), or the virtio flags (>= 0). */
  static final int DROP_FD_NOT_NEGOTIATED = -1;
  static final int DROP_CLASSIC_NOT_NEGOTIATED = -2;
  static final int DROP_RTR_NOT_NEGOTIATED = -3;
  static final int DROP_BAD_LENGTH = -4;

  private VirtioCanFrames() {}

  static boolean has(long acked, int feature) {
    return (acked & (1L << feature)) != 0;
  }

  /**
   * Checks a guest TX frame and, if it is valid, fills {@code out} (id word with EFF/RTR bits,
   * FD-ness, length; the data is copied by the caller).
   *
   * @return null if valid, else why not
   */
  static String checkTx(int msgType, int flags, int canId, int length, long acked, CanFrame out) {
    if (msgType != VirtioCan.VIRTIO_CAN_TX) {
      return UNKNOWN_TYPE;
    }
    if ((flags & ~VIRTIO_CAN_FLAGS_VALID_MASK) != 0) {
      return BAD_FLAGS;
    }
    int id = canId;
    if ((flags & VIRTIO_CAN_FLAGS_EXTENDED) != 0) {
      if (Integer.compareUnsigned(canId, CanFrame.CAN_EFF_MASK) > 0) {
        return ID_TOO_BIG_29;
      }
      id |= CanFrame.CAN_EFF_FLAG;
    } else if (Integer.compareUnsigned(canId, CanFrame.CAN_SFF_MASK) > 0) {
      return ID_TOO_BIG_11;
    }
    boolean fd = (flags & VIRTIO_CAN_FLAGS_FD) != 0;
    if ((flags & VIRTIO_CAN_FLAGS_RTR) != 0) {
      if (!has(acked, F_CAN_CLASSIC) || !has(acked, F_RTR_FRAMES)) {
        return RTR_NOT_NEGOTIATED;
      }
      if (fd) {
        return RTR_WITH_FD;
      }
      id |= CanFrame.CAN_RTR_FLAG;
    }
    if (fd) {
      if (!has(acked, F_CAN_FD)) {
        return FD_NOT_NEGOTIATED;
      }
      if (!VirtioCan.validFdLength(length)) {
        return BAD_LENGTH;
      }
    } else {
      if (!has(acked, F_CAN_CLASSIC)) {
        return CLASSIC_NOT_NEGOTIATED;
      }
      if (length > 8) {
        return BAD_LENGTH;
      }
    }
    out.canId = id;
    out.fd = fd;
    out.fdFlags = fd ? CanFrame.CANFD_FDF : 0;
    out.len = length;
    return null;
  }

  /**
   * The virtio flags of a received (non-error) host frame, or a negative DROP_* code when the
   * guest did not negotiate what it would need. FD-ness comes from the frame itself (its size on
   * the socket), not from the interface's name as in Rust's "vcan0" special case.
   */
  static int rxFlags(CanFrame f, long acked) {
    int flags = (f.canId & CanFrame.CAN_EFF_FLAG) != 0 ? VIRTIO_CAN_FLAGS_EXTENDED : 0;
    if (f.fd) {
      if (!has(acked, F_CAN_FD)) {
        return DROP_FD_NOT_NEGOTIATED;
      }
      if (!VirtioCan.validFdLength(f.len)) {
        return DROP_BAD_LENGTH;
      }
      flags |= VIRTIO_CAN_FLAGS_FD;
    } else {
      if (!has(acked, F_CAN_CLASSIC)) {
        return DROP_CLASSIC_NOT_NEGOTIATED;
      }
      if (f.len > 8) {
        return DROP_BAD_LENGTH;
      }
    }
    if ((f.canId & CanFrame.CAN_RTR_FLAG) != 0) {
      if (!has(acked, F_RTR_FRAMES) || !has(acked, F_CAN_CLASSIC)) {
        return DROP_RTR_NOT_NEGOTIATED;
      }
      flags |= VIRTIO_CAN_FLAGS_RTR;
    }
    return flags;
  }

  /** The id a guest sees: 29 or 11 bits, the flag bits cleared (virtio 1.4). */
  static int rxId(CanFrame f) {
    return (f.canId & CanFrame.CAN_EFF_FLAG) != 0 ? f.canId & CanFrame.CAN_EFF_MASK
        : f.canId & CanFrame.CAN_SFF_MASK;
  }
}
