// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.nio.charset.StandardCharsets;

/**
 * struct virtio_console_control: {@code id} le32 @0, {@code event} le16 @4, {@code value} le16
 * @6; a PORT_NAME message is followed by the name bytes (no NUL).
 */
record ControlMessage(int id, int event, int value, byte[] name) {
  static final int SIZE = 8;
  static final int OFF_ID = 0;
  static final int OFF_EVENT = 4;
  static final int OFF_VALUE = 6;

  static final int DEVICE_READY = 0;
  static final int DEVICE_ADD = 1;
  static final int DEVICE_REMOVE = 2;
  static final int PORT_READY = 3;
  static final int CONSOLE_PORT = 4;
  static final int RESIZE = 5;
  static final int PORT_OPEN = 6;
  static final int PORT_NAME = 7;

  /** The Rust daemon's fixed port name, bytes and all (the guest sees /dev/virtio-ports/org.test.foo!). */
  static final byte[] DEFAULT_PORT_NAME = "org.test.foo!".getBytes(StandardCharsets.US_ASCII);

  ControlMessage(int id, int event, int value) {
    this(id, event, value, new byte[0]);
  }

  int length() {
    return SIZE + name.length;
  }

  static String eventName(int event) {
    return switch (event) {
      case DEVICE_READY -> "DEVICE_READY";
      case DEVICE_ADD -> "DEVICE_ADD";
      case DEVICE_REMOVE -> "DEVICE_REMOVE";
      case PORT_READY -> "PORT_READY";
      case CONSOLE_PORT -> "CONSOLE_PORT";
      case RESIZE -> "RESIZE";
      case PORT_OPEN -> "PORT_OPEN";
      case PORT_NAME -> "PORT_NAME";
      default -> "event " + event;
    };
  }
}
