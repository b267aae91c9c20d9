// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/** REPORT SUPPORTED OPERATION CODES (SPC-6 6.34), in the Rust daemon's four reporting modes. */
final class ReportOpcodes {
  static final int MODE_ALL = 0;
  static final int MODE_ONE_COMMAND = 1;
  static final int MODE_ONE_SERVICE_ACTION = 2;
  static final int MODE_ONE_COMMAND_OR_SERVICE_ACTION = 3;

  private static final int SUPPORT_NONE = 0b001;
  private static final int SUPPORT_STANDARD = 0b011;
  private static final int CTDP = 0b10;
  private static final int SERVACTV = 0b01;
  private static final int TIMEOUT_DESCRIPTOR_LENGTH = 0x0A;

  private ReportOpcodes() {}

  /** Answers the command in {@code c}; returns null (GOOD) or the CHECK CONDITION sense. */
  static Sense respond(ScsiCommand c) {
    byte[] cdb = c.cdb;
    boolean rctd = (cdb[2] & 0x80) != 0;
    int mode = cdb[2] & 0x07;
    int opcode = cdb[3] & 0xFF;
    int sa = Cdb.be16(cdb, 4);
    CommandType plain = Cdb.plain(opcode);
    boolean saOpcode = Cdb.isServiceActionOpcode(opcode);
    switch (mode) {
      case MODE_ALL -> all(c, rctd);
      case MODE_ONE_COMMAND -> {
        if (plain != null) {
          supported(c, plain, rctd);
        } else if (saOpcode) {
          return Sense.INVALID_FIELD_IN_CDB;
        } else {
          notSupported(c);
        }
      }
      case MODE_ONE_SERVICE_ACTION -> {
        if (!saOpcode) {
          return Sense.INVALID_FIELD_IN_CDB; // plain or unknown opcode
        }
        CommandType t = CommandType.withServiceAction(opcode, sa);
        if (t != null) {
          supported(c, t, rctd);
        } else {
          notSupported(c);
        }
      }
      case MODE_ONE_COMMAND_OR_SERVICE_ACTION -> {
        CommandType t = plain != null ? (sa == 0 ? plain : null)
            : saOpcode ? CommandType.withServiceAction(opcode, sa) : null;
        if (t != null) {
          supported(c, t, rctd);
        } else {
          notSupported(c);
        }
      }
      default -> {
        return Sense.INVALID_FIELD_IN_CDB; // rejected by the decoder already
      }
    }
    return null;
  }

  private static void all(ScsiCommand c, boolean rctd) {
    CommandType[] all = CommandType.all();
    c.putBe32((long) all.length * (rctd ? 20 : 8));
    for (CommandType t : all) {
      c.put(t.opcode());
      c.put(0);
      c.putBe16(t.serviceAction());
      c.put(0);
      c.put((rctd ? CTDP : 0) | (t.hasServiceAction() ? SERVACTV : 0));
      c.putBe16(t.cdbLength());
      if (rctd) {
        timeoutDescriptor(c);
      }
    }
  }

  private static void supported(ScsiCommand c, CommandType t, boolean rctd) {
    c.put(0);
    c.put(SUPPORT_STANDARD);
    c.putBe16(t.cdbLength());
    c.put(t.template());
    if (rctd) {
      timeoutDescriptor(c);
    }
  }

  private static void notSupported(ScsiCommand c) {
    c.put(0);
    c.put(SUPPORT_NONE);
    c.putBe16(0);
  }

  private static void timeoutDescriptor(ScsiCommand c) {
    c.putBe16(TIMEOUT_DESCRIPTOR_LENGTH);
    c.putZeros(10);
  }
}
