// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

/**
 * The 32-bit SCMI message header (SCMI spec, "Message header format"): message_id bits 7:0,
 * message_type bits 9:8, protocol_id bits 17:10, token bits 27:18. A response echoes the request
 * header unchanged.
 */
final class ScmiHeader {
  static final int MESSAGE_ID_SHIFT = 0;
  static final int MESSAGE_TYPE_SHIFT = 8;
  static final int PROTOCOL_ID_SHIFT = 10;
  static final int TOKEN_SHIFT = 18;

  static final int TYPE_COMMAND = 0;
  static final int TYPE_DELAYED_RESPONSE = 2;
  static final int TYPE_NOTIFICATION = 3;

  private ScmiHeader() {}

  static int messageId(int header) {
    return (header >>> MESSAGE_ID_SHIFT) & 0xFF;
  }

  static int messageType(int header) {
    return (header >>> MESSAGE_TYPE_SHIFT) & 0x3;
  }

  static int protocolId(int header) {
    return (header >>> PROTOCOL_ID_SHIFT) & 0xFF;
  }

  static int token(int header) {
    return (header >>> TOKEN_SHIFT) & 0x3FF;
  }

  static int of(int protocolId, int messageId, int messageType, int token) {
    return (messageId & 0xFF) << MESSAGE_ID_SHIFT
        | (messageType & 0x3) << MESSAGE_TYPE_SHIFT
        | (protocolId & 0xFF) << PROTOCOL_ID_SHIFT
        | (token & 0x3FF) << TOKEN_SHIFT;
  }

  /** A command header with token 0, as the tests and the Linux driver's first messages use. */
  static int command(int protocolId, int messageId) {
    return of(protocolId, messageId, TYPE_COMMAND, 0);
  }
}
