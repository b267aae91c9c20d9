// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

/** VIRTIO_GPIO_IRQ_TYPE_* values (virtio spec 5.17) and which levels they fire on. */
final class IrqType {
  static final int NONE = 0x0;
  static final int EDGE_RISING = 0x1;
  static final int EDGE_FALLING = 0x2;
  static final int EDGE_BOTH = 0x3;
  static final int LEVEL_HIGH = 0x4;
  static final int LEVEL_LOW = 0x8;

  private IrqType() {}

  static boolean valid(int type) {
    return type == NONE || type == EDGE_RISING || type == EDGE_FALLING || type == EDGE_BOTH
        || type == LEVEL_HIGH || type == LEVEL_LOW;
  }

  static boolean isLevel(int type) {
    return type == LEVEL_HIGH || type == LEVEL_LOW;
  }

  /** True if a change to {@code rising ? 1 : 0} is an interrupt for {@code type}. */
  static boolean fires(int type, boolean rising) {
    return switch (type) {
      case EDGE_RISING, LEVEL_HIGH -> rising;
      case EDGE_FALLING, LEVEL_LOW -> !rising;
      case EDGE_BOTH -> true;
      default -> false;
    };
  }
}
