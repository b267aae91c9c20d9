// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.nio.charset.StandardCharsets;

/** INQUIRY response data: the standard data and the VPD pages, byte for byte the Rust daemon's. */
final class InquiryData {
  static final int PERIPHERAL_DISK = 0x00;
  /** Peripheral qualifier 011b (no logical unit here), device type 1Fh (unknown). */
  static final int PERIPHERAL_NO_LUN = 0x7F;

  static final int VPD_SUPPORTED_PAGES = 0x00;
  static final int VPD_BLOCK_DEVICE_CHARACTERISTICS = 0xB1;
  static final int VPD_LOGICAL_BLOCK_PROVISIONING = 0xB2;

  private static final byte[] STANDARD = standard();
  private static final byte[] SUPPORTED_PAGES = {
      0, VPD_SUPPORTED_PAGES, 0, 3,
      VPD_SUPPORTED_PAGES, (byte) VPD_BLOCK_DEVICE_CHARACTERISTICS,
      (byte) VPD_LOGICAL_BLOCK_PROVISIONING};
  /** No threshold sets; LBPU, LBPWS, LBPWS10 and LBPRZ=001b; thin provisioned; no threshold %. */
  private static final byte[] PROVISIONING = {
      0, (byte) VPD_LOGICAL_BLOCK_PROVISIONING, 0, 4, 0, (byte) 0xE4, 0x02, 0};
  private static final int CHARACTERISTICS_LENGTH = 60;

  private InquiryData() {}

  /** The 95 bytes after the peripheral byte. */
  private static byte[] standard() {
    byte[] b = new byte[95];
    b[1] = 0x07; // version: SPC-5
    b[2] = 0x12; // HiSup, response data format 2
    b[3] = 91; // additional length
    put(b, 7, "rust-vmm");
    put(b, 15, "vhost-user-scsi ");
    put(b, 31, "v0  ");
    // version descriptors after 22 reserved bytes: SAM-6, SPC-5, SBC-4
    int v = 35 + 22;
    b[v] = 0x00;
    b[v + 1] = (byte) 0xC0;
    b[v + 2] = 0x05;
    b[v + 3] = (byte) 0xC0;
    b[v + 4] = 0x06;
    b[v + 5] = 0x00;
    return b;
  }

  private static void put(byte[] b, int off, String ascii) {
    byte[] s = ascii.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(s, 0, b, off, s.length);
  }

  /** Standard INQUIRY data after the peripheral byte. */
  static void putStandard(ScsiCommand c) {
    c.put(STANDARD);
  }

  /**
   * A VPD page, peripheral byte included; false (nothing put) for a page we do not have.
   *
   * @param nonRotating report rotation rate 1 (solid state) instead of "not reported"
   */
  static boolean putVpd(ScsiCommand c, int page, boolean nonRotating) {
    switch (page) {
      case VPD_SUPPORTED_PAGES -> c.put(SUPPORTED_PAGES);
      case VPD_LOGICAL_BLOCK_PROVISIONING -> c.put(PROVISIONING);
      case VPD_BLOCK_DEVICE_CHARACTERISTICS -> {
        c.put(PERIPHERAL_DISK);
        c.put(VPD_BLOCK_DEVICE_CHARACTERISTICS);
        c.putBe16(CHARACTERISTICS_LENGTH);
        c.putBe16(nonRotating ? 1 : 0);
        c.putZeros(CHARACTERISTICS_LENGTH - 2);
      }
      default -> {
        return false;
      }
    }
    return true;
  }
}
