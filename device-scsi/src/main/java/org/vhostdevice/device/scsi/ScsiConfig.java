// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** virtio_scsi_config (36 bytes, little-endian), with the Rust daemon's values. */
final class ScsiConfig {
  static final int SIZE = 36;
  static final int NUM_QUEUES = 0;
  static final int SEG_MAX = 4;
  static final int MAX_SECTORS = 8;
  static final int CMD_PER_LUN = 12;
  static final int EVENT_INFO_SIZE = 16;
  static final int SENSE_SIZE = 20;
  static final int CDB_SIZE = 24;
  static final int MAX_CHANNEL = 28;
  static final int MAX_TARGET = 30;
  static final int MAX_LUN = 32;

  private final byte[] bytes;

  ScsiConfig(int requestQueues) {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(NUM_QUEUES, requestQueues);
    b.putInt(SEG_MAX, 128 - 2); // queue size minus the request and response descriptors
    b.putInt(MAX_SECTORS, 0xFFFF);
    b.putInt(CMD_PER_LUN, 128);
    b.putInt(EVENT_INFO_SIZE, 16); // sizeof(virtio_scsi_event)
    b.putInt(SENSE_SIZE, VirtioScsi.SENSE_SIZE);
    b.putInt(CDB_SIZE, VirtioScsi.CDB_SIZE);
    b.putShort(MAX_CHANNEL, (short) 0);
    b.putShort(MAX_TARGET, (short) 255);
    b.putInt(MAX_LUN, 0x3FFF);
    this.bytes = b.array();
  }

  /**
   * Up to {@code size} bytes from {@code offset}: the part that overlaps the config space, as the
   * Rust daemon answers (an empty array past the end).
   */
  byte[] slice(int offset, int size) {
    if (offset < 0 || size < 0 || offset >= SIZE) {
      return new byte[0];
    }
    int n = Math.min(size, SIZE - offset);
    byte[] out = new byte[n];
    System.arraycopy(bytes, offset, out, 0, n);
    return out;
  }

  /** Fills {@code dst} from {@code offset}; bytes past the end stay zero. */
  void read(int offset, byte[] dst) {
    byte[] s = slice(offset, dst.length);
    System.arraycopy(s, 0, dst, 0, s.length);
  }
}
