// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/** SCSI status codes (SAM) the emulated target returns. */
final class ScsiStatus {
  static final int GOOD = 0x00;
  static final int CHECK_CONDITION = 0x02;

  private ScsiStatus() {}
}
