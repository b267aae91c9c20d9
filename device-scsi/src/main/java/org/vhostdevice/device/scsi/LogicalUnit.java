// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/** One logical unit of the emulated target. Shared by every queue and connection: thread-safe. */
interface LogicalUnit {
  /**
   * Executes a decoded, field-checked command. Data-in goes through {@code c}; returns null for
   * GOOD status or the sense of a CHECK CONDITION. Never throws for SCSI-level errors.
   */
  Sense execute(CommandType type, ScsiCommand c);
}
