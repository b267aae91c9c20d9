// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** scan_elements type strings and decoding scan data. */
class IioScanTypeTest {
  @Test
  void parsesLittleEndianSigned16() {
    assertEquals(new IioScanType(false, true, 16, 16, 0, 0), IioScanType.parse("le:s16/16>>0\n"));
  }

  @Test
  void parsesBigEndianUnsignedWithShift() {
    assertEquals(new IioScanType(true, false, 24, 28, 0, 5), IioScanType.parse("be:u24/28>>5\n"));
  }

  @Test
  void parsesRepeat() {
    assertEquals(new IioScanType(false, true, 12, 16, 4, 3),
        IioScanType.parse("le:s12/16X4>>3\n"));
  }

  @Test
  void malformedTypeIsNullNotACrash() {
    assertNull(IioScanType.parse("xx:s16/16>>0"));
    assertNull(IioScanType.parse("le:s16"));
    assertNull(IioScanType.parse(""));
  }

  @Test
  void onlyWholeByteStorageWithoutRepeatIsDecodable() {
    assertTrue(IioScanType.parse("le:s12/16>>4").decodable());
    assertFalse(IioScanType.parse("be:u24/28>>5").decodable());
    assertFalse(IioScanType.parse("le:s12/16X4>>3").decodable());
  }

  @Test
  void decodesNegativeLittleEndian16() {
    byte[] scan = {0x00, 0x00, (byte) 0x78, (byte) 0xFE};
    assertEquals(-392, IioScanType.parse("le:s16/16>>0").decode(scan, 2));
  }

  @Test
  void decodesShiftedSignedBigEndian() {
    // 12 significant bits stored in the top of a big-endian 16-bit word: 0xFFF0 >> 4 = -1.
    byte[] scan = {(byte) 0xFF, (byte) 0xF0};
    assertEquals(-1, IioScanType.parse("be:s12/16>>4").decode(scan, 0));
  }

  @Test
  void decodesUnsigned32() {
    byte[] scan = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
    assertEquals(0xFFFF_FFFFL, IioScanType.parse("le:u32/32>>0").decode(scan, 0));
  }
}
