// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Target 0: LUNs 0..N-1, one per image. Decodes each CDB, answers REPORT LUNS itself and hands
 * every other command to its LUN ({@link MissingLun} for numbers without an image).
 */
final class EmulatedTarget {
  private static final Logger LOG = LoggerFactory.getLogger(EmulatedTarget.class);
  /** The Rust daemon's limit (its REPORT LUNS encodes a LUN in one byte). */
  static final int MAX_LUNS = 256;

  private static final int SELECT_NO_WELL_KNOWN = 0x00;
  private static final int SELECT_ALL = 0x02;

  private final LogicalUnit[] luns;

  EmulatedTarget(List<? extends LogicalUnit> luns) {
    if (luns.size() > MAX_LUNS) {
      throw new IllegalArgumentException("More than 256 LUNs aren't currently supported");
    }
    this.luns = luns.toArray(new LogicalUnit[0]);
  }

  int lunCount() {
    return luns.length;
  }

  /**
   * Runs the command in {@code c} on {@code lun}; the small response data is flushed to the
   * guest before returning. Returns null for GOOD or the CHECK CONDITION sense.
   *
   * @throws Cdb.TooShortException when the CDB is shorter than its command
   */
  Sense execute(int lun, ScsiCommand c) throws Cdb.TooShortException {
    Sense result = run(lun, c);
    c.flush();
    return result;
  }

  private Sense run(int lun, ScsiCommand c) throws Cdb.TooShortException {
    Object decoded = Cdb.decode(c.cdb, c.cdbLength);
    if (decoded == Cdb.INVALID_OPCODE) {
      LOG.debug("unknown opcode {}", c.cdb[0] & 0xFF);
      return Sense.INVALID_COMMAND_OPERATION_CODE;
    }
    if (decoded == Cdb.INVALID_FIELD) {
      LOG.debug("invalid field in CDB of opcode {}", c.cdb[0] & 0xFF);
      return Sense.INVALID_FIELD_IN_CDB;
    }
    CommandType type = (CommandType) decoded;
    c.setAllocationLength(Cdb.allocationLength(type, c.cdb));
    if (type == CommandType.REPORT_LUNS) {
      reportLuns(c);
      return null;
    }
    LogicalUnit unit = lun < luns.length ? luns[lun] : MissingLun.INSTANCE;
    return unit.execute(type, c);
  }

  private void reportLuns(ScsiCommand c) {
    int select = c.cdb[2] & 0xFF;
    int n = select == SELECT_NO_WELL_KNOWN || select == SELECT_ALL ? luns.length : 0;
    c.putBe32(8L * n);
    c.putZeros(4);
    for (int i = 0; i < n; i++) {
      c.put(0);
      c.put(i);
      c.putZeros(6);
    }
  }
}
