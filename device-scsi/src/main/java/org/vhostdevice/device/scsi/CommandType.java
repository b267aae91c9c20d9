// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/**
 * The SCSI commands the emulated disk understands, with their opcode, service action and "CDB
 * usage data" (SPC-6 6.34.3: the CDB's length and a bitmap of the fields we look at), which REPORT
 * SUPPORTED OPERATION CODES returns. The first twelve are the Rust daemon's, in its order; the
 * rest are this port's additions.
 */
enum CommandType {
  TEST_UNIT_READY(0x00, -1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04),
  REQUEST_SENSE(0x03, -1, 0x03, 0x01, 0x00, 0x00, 0xFF, 0x04),
  INQUIRY(0x12, -1, 0x12, 0x01, 0xFF, 0xFF, 0xFF, 0x04),
  MODE_SENSE_6(0x1A, -1, 0x1A, 0x08, 0xFF, 0xFF, 0xFF, 0x04),
  READ_CAPACITY_10(0x25, -1, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0x04),
  READ_10(0x28, -1, 0x28, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0xFF, 0xFF, 0x04),
  WRITE_10(0x2A, -1, 0x2A, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0xFF, 0xFF, 0x04),
  /** The Rust template starts with 0x53 (a typo); ours carries the real opcode. */
  SYNCHRONIZE_CACHE_10(0x35, -1, 0x35, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0xFF, 0xFF, 0x04),
  WRITE_SAME_16(0x93, -1, 0x93, 0xF9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0x3F, 0x04),
  READ_CAPACITY_16(0x9E, 0x10, 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0,
      0x04),
  REPORT_LUNS(0xA0, -1, 0xA0, 0x00, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0x04),
  REPORT_SUPPORTED_OPERATION_CODES(0xA3, 0x0C, 0xA3, 0x0C, 0x87, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0x00, 0x04),
  // Additions: what Linux and other initiators use when they are there.
  READ_6(0x08, -1, 0x08, 0x1F, 0xFF, 0xFF, 0xFF, 0x04),
  WRITE_6(0x0A, -1, 0x0A, 0x1F, 0xFF, 0xFF, 0xFF, 0x04),
  READ_12(0xA8, -1, 0xA8, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0x04),
  WRITE_12(0xAA, -1, 0xAA, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0x04),
  READ_16(0x88, -1, 0x88, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0x3F, 0x04),
  WRITE_16(0x8A, -1, 0x8A, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0x3F, 0x04),
  MODE_SENSE_10(0x5A, -1, 0x5A, 0x08, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0x04),
  UNMAP(0x42, -1, 0x42, 0x00, 0, 0, 0, 0, 0x3F, 0xFF, 0xFF, 0x04),
  /** The logical block provisioning VPD page has always claimed it (LBPWS10). */
  WRITE_SAME_10(0x41, -1, 0x41, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0xFF, 0xFF, 0x04);

  /** Service actions live in the low 5 bits of CDB byte 1. */
  static final int SERVICE_ACTION_MASK = 0x1F;
  private static final CommandType[] VALUES = values();

  private final int opcode;
  private final int serviceAction;
  private final byte[] template;

  CommandType(int opcode, int serviceAction, int... template) {
    this.opcode = opcode;
    this.serviceAction = serviceAction;
    this.template = new byte[template.length];
    for (int i = 0; i < template.length; i++) {
      this.template[i] = (byte) template[i];
    }
  }

  int opcode() {
    return opcode;
  }

  boolean hasServiceAction() {
    return serviceAction >= 0;
  }

  /** The service action, or 0 for a plain opcode. */
  int serviceAction() {
    return Math.max(serviceAction, 0);
  }

  int cdbLength() {
    return template.length;
  }

  /** The CDB usage data; shared, do not modify. */
  byte[] template() {
    return template;
  }

  /** Every command, in the order REPORT SUPPORTED OPERATION CODES lists them. */
  static CommandType[] all() {
    return VALUES;
  }

  /** The plain command with this opcode, or null (also for service-action opcodes). */
  static CommandType plain(int opcode) {
    for (CommandType t : VALUES) {
      if (t.opcode == opcode && !t.hasServiceAction()) {
        return t;
      }
    }
    return null;
  }

  /** Whether {@code opcode} needs a service action to name a command. */
  static boolean isServiceActionOpcode(int opcode) {
    for (CommandType t : VALUES) {
      if (t.opcode == opcode && t.hasServiceAction()) {
        return true;
      }
    }
    return false;
  }

  /** The command with this opcode and service action, or null. */
  static CommandType withServiceAction(int opcode, int serviceAction) {
    for (CommandType t : VALUES) {
      if (t.opcode == opcode && t.serviceAction == serviceAction) {
        return t;
      }
    }
    return null;
  }
}
