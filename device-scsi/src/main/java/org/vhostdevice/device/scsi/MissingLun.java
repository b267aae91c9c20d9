// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/** A LUN number with no image: tells the initiator so, the way the Rust daemon does. */
final class MissingLun implements LogicalUnit {
  static final MissingLun INSTANCE = new MissingLun();

  private MissingLun() {}

  @Override
  public Sense execute(CommandType type, ScsiCommand c) {
    switch (type) {
      case INQUIRY -> {
        c.put(InquiryData.PERIPHERAL_NO_LUN);
        if ((c.cdb[1] & 1) != 0) {
          c.put(0); // SPC-6 7.7.2: VPD data of a qualifier != 0 is out of scope; say nothing
        } else {
          InquiryData.putStandard(c);
        }
        return null;
      }
      case REQUEST_SENSE -> {
        if ((c.cdb[1] & 1) != 0) {
          return Sense.INVALID_FIELD_IN_CDB; // no descriptor-format sense
        }
        c.put(Sense.LOGICAL_UNIT_NOT_SUPPORTED.fixedFormat());
        return null;
      }
      default -> {
        return Sense.LOGICAL_UNIT_NOT_SUPPORTED;
      }
    }
  }
}
