// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/**
 * Decoding of command descriptor blocks: which command, the field checks that reject a CDB before
 * any LUN sees it (the Rust daemon's parse step), and the big-endian fields.
 */
final class Cdb {
  /** A CDB shorter than its command (only possible from tests: virtio CDBs are 32 bytes). */
  static final class TooShortException extends Exception {
    private static final long serialVersionUID = 1L;

    TooShortException(CommandType type, int length) {
      super(type + " needs a " + type.cdbLength() + "-byte CDB, got " + length);
    }
  }

  /** INVALID COMMAND OPERATION CODE as a decode result. */
  static final Object INVALID_OPCODE = new Object();
  /** INVALID FIELD IN CDB as a decode result. */
  static final Object INVALID_FIELD = new Object();

  private static final CommandType[] PLAIN = new CommandType[256];
  private static final boolean[] SERVICE_ACTION = new boolean[256];

  static {
    for (CommandType t : CommandType.all()) {
      if (t.hasServiceAction()) {
        SERVICE_ACTION[t.opcode()] = true;
      } else {
        PLAIN[t.opcode()] = t;
      }
    }
  }

  /** Mode page codes we know (MODE SENSE). */
  static final int PAGE_CACHING = 0x08;
  static final int PAGE_ALL = 0x3F;

  /** VPD pages INQUIRY accepts to parse; only 00h, B1h and B2h are answered. */
  private static final int[] KNOWN_VPD = {
      0x80, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8F, 0x90, 0x91,
      0x92, 0xB0, 0xB1, 0xB2, 0xB3, 0xB5, 0xB6, 0xB7, 0xB8};

  private Cdb() {}

  /** The plain command for an opcode, or null. */
  static CommandType plain(int opcode) {
    return PLAIN[opcode & 0xFF];
  }

  static boolean isServiceActionOpcode(int opcode) {
    return SERVICE_ACTION[opcode & 0xFF];
  }

  /**
   * The command of {@code cdb}: a {@link CommandType}, {@link #INVALID_OPCODE} or {@link
   * #INVALID_FIELD} (a known opcode with an unknown service action or a bad field).
   */
  static Object decode(byte[] cdb, int length) throws TooShortException {
    int opcode = cdb[0] & 0xFF;
    CommandType t = PLAIN[opcode];
    if (t == null) {
      if (!SERVICE_ACTION[opcode]) {
        return INVALID_OPCODE;
      }
      if (length < 2) {
        throw new TooShortException(CommandType.withServiceAction(opcode,
            opcode == 0x9E ? 0x10 : 0x0C), length);
      }
      t = CommandType.withServiceAction(opcode, cdb[1] & CommandType.SERVICE_ACTION_MASK);
      if (t == null) {
        return INVALID_FIELD;
      }
    }
    if (length < t.cdbLength()) {
      throw new TooShortException(t, length);
    }
    return fieldsValid(t, cdb) ? t : INVALID_FIELD;
  }

  private static boolean fieldsValid(CommandType t, byte[] cdb) {
    int b1 = cdb[1] & 0xFF;
    return switch (t) {
      case INQUIRY -> b1 == 0 ? cdb[2] == 0 : b1 == 1 && knownVpd(cdb[2] & 0xFF);
      case MODE_SENSE_6 -> (b1 == 0 || b1 == 0x08) && knownModePage(cdb);
      case MODE_SENSE_10 -> (b1 & ~0x18) == 0 && knownModePage(cdb);
      case READ_10, READ_12, READ_16 -> (b1 & 0xE4) == 0;
      case WRITE_10, WRITE_12, WRITE_16 -> (b1 & 0xE0) == 0;
      case WRITE_SAME_16 -> (b1 & 0xE1) == 0;
      case WRITE_SAME_10 -> (b1 & 0xE0) == 0;
      case REPORT_LUNS -> switch (cdb[2] & 0xFF) {
        case 0x00, 0x01, 0x02, 0x10, 0x11, 0x12 -> true;
        default -> false;
      };
      case REPORT_SUPPORTED_OPERATION_CODES -> (cdb[2] & 0x07) <= 3;
      case UNMAP -> (b1 & 0x01) == 0;
      default -> true;
    };
  }

  private static boolean knownModePage(byte[] cdb) {
    int page = cdb[2] & 0x3F;
    return (page == PAGE_CACHING || page == PAGE_ALL) && cdb[3] == 0;
  }

  private static boolean knownVpd(int page) {
    if (page <= 0x7F) {
      return true; // 00h (supported pages) and the ASCII information pages
    }
    for (int p : KNOWN_VPD) {
      if (p == page) {
        return true;
      }
    }
    return false;
  }

  /** The allocation length, or {@link ScsiCommand#NO_ALLOCATION_LENGTH}. */
  static long allocationLength(CommandType t, byte[] cdb) {
    return switch (t) {
      case INQUIRY -> be16(cdb, 3);
      case MODE_SENSE_6, REQUEST_SENSE -> cdb[4] & 0xFF;
      case MODE_SENSE_10 -> be16(cdb, 7);
      case READ_CAPACITY_16 -> be32(cdb, 10);
      case REPORT_LUNS, REPORT_SUPPORTED_OPERATION_CODES -> be32(cdb, 6);
      default -> ScsiCommand.NO_ALLOCATION_LENGTH;
    };
  }

  /** NACA: bit 2 of the control byte, the last byte of the CDB. */
  static boolean naca(CommandType t, byte[] cdb) {
    return (cdb[t.cdbLength() - 1] & 0x04) != 0;
  }

  static int be16(byte[] b, int off) {
    return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
  }

  static long be32(byte[] b, int off) {
    return ((long) be16(b, off) << 16 | be16(b, off + 2)) & 0xFFFF_FFFFL;
  }

  static long be64(byte[] b, int off) {
    return be32(b, off) << 32 | be32(b, off + 4);
  }
}
