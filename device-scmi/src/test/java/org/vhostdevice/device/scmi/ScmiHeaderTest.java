// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Header fields, as in the Rust test_request / test_request_unsupported. */
class ScmiHeaderTest {
  @Test
  void commandHeaderSplitsIntoItsFields() {
    int h = 0x000304AB;
    assertEquals(0xAB, ScmiHeader.messageId(h));
    assertEquals(ScmiHeader.TYPE_COMMAND, ScmiHeader.messageType(h));
    assertEquals(0xC1, ScmiHeader.protocolId(h));
    assertEquals(0, ScmiHeader.token(h));
  }

  @Test
  void nonCommandTypeIsDecoded() {
    int h = 0x000102AB;
    assertEquals(0xAB, ScmiHeader.messageId(h));
    assertEquals(2, ScmiHeader.messageType(h));
    assertEquals(0x40, ScmiHeader.protocolId(h));
  }

  @Test
  void tokenIsBits27To18() {
    int h = ScmiHeader.of(0x15, 6, 0, 0x3FF);
    assertEquals(0x3FF, ScmiHeader.token(h));
    assertEquals(0x0FFC_5406, h);
  }

  @Test
  void sensorUpdateNotificationHeaderIs0x5701() {
    assertEquals(0x5701, ScmiHandler.NOTIFICATION_HEADER);
  }
}
