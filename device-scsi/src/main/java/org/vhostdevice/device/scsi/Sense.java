// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/**
 * A CHECK CONDITION's sense key, additional sense code and qualifier, with its 18-byte fixed-format
 * sense data built once (commands return these shared constants; nothing is allocated per error).
 */
final class Sense {
  static final int NO_SENSE_KEY = 0;
  static final int NOT_READY = 2;
  static final int MEDIUM_ERROR = 3;
  static final int HARDWARE_ERROR = 4;
  static final int ILLEGAL_REQUEST = 5;
  static final int DATA_PROTECT = 7;

  static final Sense NO_ADDITIONAL_SENSE_INFORMATION = new Sense(NO_SENSE_KEY, 0, 0);
  static final Sense INVALID_COMMAND_OPERATION_CODE = new Sense(ILLEGAL_REQUEST, 0x20, 0);
  static final Sense LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE = new Sense(ILLEGAL_REQUEST, 0x21, 0);
  static final Sense INVALID_FIELD_IN_CDB = new Sense(ILLEGAL_REQUEST, 0x24, 0);
  /**
   * SPC's code (25h/00h). The Rust daemon sends 21h/00h, the bytes of LBA OUT OF RANGE, so a guest
   * cannot tell a missing LUN from a bad address; we send the standard code.
   */
  static final Sense LOGICAL_UNIT_NOT_SUPPORTED = new Sense(ILLEGAL_REQUEST, 0x25, 0);
  static final Sense SAVING_PARAMETERS_NOT_SUPPORTED = new Sense(ILLEGAL_REQUEST, 0x39, 0);
  static final Sense PARAMETER_LIST_LENGTH_ERROR = new Sense(ILLEGAL_REQUEST, 0x1A, 0);
  static final Sense INVALID_FIELD_IN_PARAMETER_LIST = new Sense(ILLEGAL_REQUEST, 0x26, 0);
  static final Sense UNRECOVERED_READ_ERROR = new Sense(MEDIUM_ERROR, 0x11, 0);
  static final Sense TARGET_FAILURE = new Sense(HARDWARE_ERROR, 0x44, 0);
  static final Sense MEDIUM_NOT_PRESENT = new Sense(NOT_READY, 0x3A, 0);
  static final Sense WRITE_PROTECTED = new Sense(DATA_PROTECT, 0x27, 0);
  /**
   * SPACE ALLOCATION FAILED WRITE PROTECT (27h/07h): the image's file system is full. QEMU's
   * scsi-disk reports ENOSPC with this code, and Linux turns it into ENOSPC for the writer.
   */
  static final Sense SPACE_ALLOCATION_FAILED = new Sense(DATA_PROTECT, 0x27, 0x07);

  static final int FIXED_SIZE = 18;
  private static final int RESPONSE_CODE_FIXED_CURRENT = 0x70;
  private static final int ADDITIONAL_LENGTH = FIXED_SIZE - 8;

  private final int key;
  private final int asc;
  private final int ascq;
  private final byte[] fixed = new byte[FIXED_SIZE];

  Sense(int key, int asc, int ascq) {
    this.key = key;
    this.asc = asc;
    this.ascq = ascq;
    fixed[0] = (byte) RESPONSE_CODE_FIXED_CURRENT;
    fixed[2] = (byte) key;
    fixed[7] = (byte) ADDITIONAL_LENGTH;
    fixed[12] = (byte) asc;
    fixed[13] = (byte) ascq;
  }

  int key() {
    return key;
  }

  int asc() {
    return asc;
  }

  int ascq() {
    return ascq;
  }

  /** The fixed-format sense data; shared, do not modify. */
  byte[] fixedFormat() {
    return fixed;
  }

  @Override
  public String toString() {
    return String.format("sense %X/%02X/%02X", key, asc, ascq);
  }
}
