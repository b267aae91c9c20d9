// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

/**
 * virtio-can (virtio 1.4, device ID 36): feature bits, the frame and control message layouts,
 * flags, result codes and the config space status bit.
 */
final class VirtioCan {
  static final int VIRTIO_ID_CAN = 36;

  // Feature bits, numbered as in virtio 1.4 and the Linux driver (upstream's numbering since
  // bad9efe swapped RTR_FRAMES and LATE_TX_ACK).
  static final int F_CAN_CLASSIC = 0;
  static final int F_CAN_FD = 1;
  static final int F_RTR_FRAMES = 2;
  static final int F_LATE_TX_ACK = 3;

  // Queues
  static final int TXQ = 0;
  static final int RXQ = 1;
  static final int CONTROLQ = 2;
  static final int QUEUE_SIZE = 64;

  // struct virtio_can_tx_out / virtio_can_rx (little-endian)
  static final int FRAME_MSG_TYPE = 0; // le16
  static final int FRAME_LENGTH = 2; // le16
  static final int FRAME_RESERVED = 4; // le32
  static final int FRAME_FLAGS = 8; // le32
  static final int FRAME_CAN_ID = 12; // le32
  static final int FRAME_SDU = 16;
  static final int HEADER_SIZE = 16;
  static final int SDU_SIZE = 64;
  /** A received frame always occupies the 16-byte header and the full 64-byte SDU. */
  static final int RX_FRAME_SIZE = HEADER_SIZE + SDU_SIZE;

  static final int VIRTIO_CAN_TX = 0x0001;
  static final int VIRTIO_CAN_RX = 0x0101;
  static final int VIRTIO_CAN_SET_CTRL_MODE_START = 0x0201;
  static final int VIRTIO_CAN_SET_CTRL_MODE_STOP = 0x0202;

  static final int VIRTIO_CAN_FLAGS_EXTENDED = 0x8000;
  static final int VIRTIO_CAN_FLAGS_FD = 0x4000;
  static final int VIRTIO_CAN_FLAGS_RTR = 0x2000;
  static final int VIRTIO_CAN_FLAGS_VALID_MASK =
      VIRTIO_CAN_FLAGS_EXTENDED | VIRTIO_CAN_FLAGS_FD | VIRTIO_CAN_FLAGS_RTR;

  static final byte VIRTIO_CAN_RESULT_OK = 0;
  static final byte VIRTIO_CAN_RESULT_NOT_OK = 1;

  /** Config space: le16 status; bit 0 = bus-off (the Rust daemon writes 2). */
  static final int VIRTIO_CAN_S_CTRL_BUSOFF = 1;
  static final int CONFIG_STATUS = 0;
  /**
   * Config bytes served: the 2-byte status, then zeros, so the documented QEMU line
   * ({@code config_size=16}) reads a defined value everywhere.
   */
  static final int CONFIG_SIZE = 16;

  /** Valid CAN FD data lengths above 8. */
  static boolean validFdLength(int len) {
    return switch (len) {
      case 12, 16, 20, 24, 32, 48, 64 -> true;
      default -> len <= 8;
    };
  }

  private VirtioCan() {}
}
