// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-i2c (device ID 34): one request queue. A request is a chain of an 8-byte out header
 * (le16 addr = 7-bit address << 1, le16 padding, le32 flags), an optional data buffer (readable
 * for a write, writable for a read) and a 1-byte writable status. Every request taken in one pass
 * over the queue forms one transfer, as in the Rust daemon: the guest driver queues all messages
 * of an i2c_transfer() and kicks once, and they must reach the bus as one combined transfer.
 *
 * <p>On purpose, unlike the Rust daemon: a malformed request fails its whole batch with status
 * ERR (or length 0 when it has no usable status byte) and the queue goes on; the used length is
 * what the device wrote (data + status for a successful read, 1 otherwise), not the size of a
 * write buffer.
 */
public final class I2cDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(I2cDevice.class);
  static final int VIRTIO_ID_I2C_ADAPTER = 34;
  static final long VIRTIO_I2C_F_ZERO_LENGTH_REQUEST = 1L << 0;
  static final int QUEUE_SIZE = 1024;
  /** struct virtio_i2c_out_hdr: le16 addr, le16 padding, le32 flags. */
  static final int OUT_HDR_SIZE = 8;
  static final int IN_HDR_SIZE = 1;
  static final int VIRTIO_I2C_FLAGS_FAIL_NEXT = 1 << 0;
  static final int VIRTIO_I2C_FLAGS_M_RD = 1 << 1;
  static final int VIRTIO_I2C_MSG_OK = 0;
  static final int VIRTIO_I2C_MSG_ERR = 1;

  private final I2cMap map;
  private final DescriptorChain[] batch = new DescriptorChain[QUEUE_SIZE];
  /** Per request of the batch: its message index, or -1 if the request is malformed. */
  private final int[] message = new int[QUEUE_SIZE];
  private final I2cMessages messages = new I2cMessages(QUEUE_SIZE);
  private long malformed;
  private long failedTransfers;

  public I2cDevice(I2cMap map) {
    this.map = map;
  }

  @Override
  public String name() {
    return "i2c";
  }

  @Override
  public int deviceType() {
    return VIRTIO_ID_I2C_ADAPTER;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY | VIRTIO_I2C_F_ZERO_LENGTH_REQUEST;
  }

  @Override
  public int numQueues() {
    return 1;
  }

  @Override
  public int maxQueueSize(int queue) {
    return QUEUE_SIZE;
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    int n = 0;
    boolean anyMalformed = false;
    messages.clear();
    int limit = Math.min(vq.size(), QUEUE_SIZE);
    while (n < limit) {
      if (batch[n] == null) {
        batch[n] = new DescriptorChain();
      }
      if (!vq.pop(batch[n])) {
        break;
      }
      message[n] = parse(batch[n]);
      anyMalformed |= message[n] < 0;
      n++;
    }
    if (n == 0) {
      return;
    }
    int status = VIRTIO_I2C_MSG_ERR;
    if (!anyMalformed) {
      status = transfer() ? VIRTIO_I2C_MSG_OK : VIRTIO_I2C_MSG_ERR;
    }
    for (int i = 0; i < n; i++) {
      complete(vq, batch[i], message[i], status);
    }
  }

  /**
   * Checks one request and adds its message; returns the message index, or -1 if the request is
   * malformed (wrong descriptor count, sizes or directions).
   */
  private int parse(DescriptorChain c) {
    int count = c.descriptorCount();
    int last = count - 1;
    if (count < 2 || count > 3 || c.descriptorWritable(0) || c.descriptorLen(0) != OUT_HDR_SIZE
        || !c.descriptorWritable(last) || c.descriptorLen(last) != IN_HDR_SIZE) {
      return reject(c, "expected an 8-byte out header, an optional buffer, a 1-byte status");
    }
    try {
      int addr = c.reader().readU16();
      c.reader().readU16(); // padding
      int flags = c.reader().readU32();
      boolean read = (flags & VIRTIO_I2C_FLAGS_M_RD) != 0;
      int len = 0;
      if (count == 3) {
        len = c.descriptorLen(1);
        if (len == 0) {
          return reject(c, "zero-length data buffer (a zero-length request has none)");
        }
        if (c.descriptorWritable(1) != read) {
          return reject(c, (read ? "read" : "write") + " request with a "
              + (read ? "readable" : "writable") + " data buffer");
        }
      }
      int i = messages.add(addr >>> 1, read ? I2cMessages.I2C_M_RD : 0, len);
      if (!read && len > 0) {
        c.reader().readFully(messages.data(i));
      }
      return i;
    } catch (ChainTooShortException | I2cException e) {
      return reject(c, e.getMessage());
    }
  }

  private int reject(DescriptorChain c, String why) {
    if (malformed++ % 1000 == 0) {
      LOG.warn("i2c: malformed request {} ({} so far): {}", c.head(), malformed, why);
    }
    return -1;
  }

  private boolean transfer() {
    if (messages.count() == 0) {
      return false;
    }
    try {
      map.transfer(messages);
      return true;
    } catch (UnknownClientException e) {
      return false; // a guest scanning the bus: not worth a log line
    } catch (IOException | RuntimeException e) {
      if (failedTransfers++ % 1000 == 0) {
        LOG.warn("i2c: transfer to 0x{} failed ({} so far): {}",
            Integer.toHexString(messages.address(0)), failedTransfers, e.getMessage());
      }
      return false;
    }
  }

  private void complete(VirtQueue vq, DescriptorChain c, int msg, int status) throws Exception {
    int count = c.descriptorCount();
    int last = count - 1;
    if (msg < 0 && (count == 0 || !c.descriptorWritable(last) || c.descriptorLen(last) < 1)) {
      vq.addUsed(c, 0); // nowhere to put a status
      return;
    }
    var out = c.writer();
    int used = IN_HDR_SIZE;
    if (msg >= 0 && messages.isRead(msg) && messages.length(msg) > 0) {
      if (status == VIRTIO_I2C_MSG_OK) {
        out.writeFully(messages.data(msg));
        used += messages.length(msg);
      } else {
        out.skip(messages.length(msg));
      }
    } else if (msg < 0) {
      // Malformed: the status byte is the start of the last (writable) descriptor.
      out.skip(c.writableBytes() - Integer.toUnsignedLong(c.descriptorLen(last)));
    }
    out.writeU8(status);
    vq.addUsed(c, used);
  }
}
