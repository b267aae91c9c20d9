// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/**
 * The 8-byte virtio-scsi LUN field: {@code 01 TARGET (0x40|LUN>>8) LUN 00 00 00 00} (single-level
 * flat-space addressing), or the REPORT LUNS well-known LUN {@code C1 01 00 ...}. Decoded into
 * one int so that the request path does not allocate.
 */
final class LunAddress {
  /** The REPORT LUNS well-known logical unit. */
  static final int REPORT_LUNS = -1;
  /** Anything else: not a LUN this device understands. */
  static final int INVALID = -2;

  private static final int ADDRESS_METHOD_MASK = 0xC0;
  private static final int FLAT_SPACE = 0x40;

  private LunAddress() {}

  /**
   * Decodes {@code bytes[off..off+8]}: {@code target << 16 | lun} for a target LUN, or {@link
   * #REPORT_LUNS} or {@link #INVALID}.
   */
  static int decode(byte[] b, int off) {
    if ((b[off] & 0xFF) == 0xC1 && b[off + 1] == 1 && allZero(b, off + 2, 6)) {
      return REPORT_LUNS;
    }
    if (b[off] != 1) {
      return INVALID;
    }
    int b2 = b[off + 2] & 0xFF;
    if ((b2 & ADDRESS_METHOD_MASK) != FLAT_SPACE) {
      return INVALID;
    }
    int target = b[off + 1] & 0xFF;
    int lun = ((b2 & 0x3F) << 8) | (b[off + 3] & 0xFF);
    return target << 16 | lun;
  }

  static int target(int decoded) {
    return decoded >>> 16;
  }

  static int lun(int decoded) {
    return decoded & 0xFFFF;
  }

  /** The 8 bytes addressing {@code lun} of {@code target}, as a driver writes them. */
  static byte[] encode(int target, int lun) {
    return new byte[] {1, (byte) target, (byte) (FLAT_SPACE | (lun >> 8)), (byte) lun, 0, 0, 0, 0};
  }

  private static boolean allZero(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
