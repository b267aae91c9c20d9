// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

/** SCMI status codes (signed 32-bit, the first word after the header of every response). */
final class ScmiStatus {
  static final int SUCCESS = 0;
  static final int NOT_SUPPORTED = -1;
  static final int INVALID_PARAMETERS = -2;
  static final int DENIED = -3;
  static final int NOT_FOUND = -4;
  static final int OUT_OF_RANGE = -5;
  static final int BUSY = -6;
  static final int COMMS_ERROR = -7;
  static final int GENERIC_ERROR = -8;
  static final int HARDWARE_ERROR = -9;
  static final int PROTOCOL_ERROR = -10;

  private ScmiStatus() {}

  static String name(int status) {
    return switch (status) {
      case SUCCESS -> "SUCCESS";
      case NOT_SUPPORTED -> "NOT_SUPPORTED";
      case INVALID_PARAMETERS -> "INVALID_PARAMETERS";
      case DENIED -> "DENIED";
      case NOT_FOUND -> "NOT_FOUND";
      case OUT_OF_RANGE -> "OUT_OF_RANGE";
      case BUSY -> "BUSY";
      case COMMS_ERROR -> "COMMS_ERROR";
      case GENERIC_ERROR -> "GENERIC_ERROR";
      case HARDWARE_ERROR -> "HARDWARE_ERROR";
      case PROTOCOL_ERROR -> "PROTOCOL_ERROR";
      default -> "status " + status;
    };
  }
}
