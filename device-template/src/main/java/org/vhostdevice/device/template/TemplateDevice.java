// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.template;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * The "foo" device: one request queue; each request is an 8-byte header the driver writes ({@code
 * u16 a, u16 b, u32 c}, little-endian) followed by device-writable space that ends in a one-byte
 * status. The device answers with the sum {@code a + b + c} as a u32 when there is room for it,
 * then the status ({@link #STATUS_OK}, or {@link #STATUS_BAD_REQUEST} when the header is short).
 *
 * <p>Unlike the Rust template, every request is completed (the guest gets its buffers back) and
 * a malformed one is answered with an error status instead of ending the worker thread.
 */
public final class TemplateDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(TemplateDevice.class);

  /** A copy sets its own virtio device ID; the template has none (the frontend chooses). */
  static final int DEVICE_ID = 0;
  static final int QUEUE_SIZE = 1024;
  static final int HEADER_SIZE = 8;
  static final int RESULT_SIZE = 4;
  static final byte STATUS_OK = 0;
  static final byte STATUS_BAD_REQUEST = 1;

  /** Requests served on this connection; restarts at 0 with every new frontend. */
  private long requests;

  @Override
  public String name() {
    return "template";
  }

  @Override
  public int deviceType() {
    return DEVICE_ID;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | org.vhostdevice.queue.VirtioFeatures.NOTIFY_ON_EMPTY;
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
    DescriptorChain chain;
    while ((chain = vq.pop()) != null) {
      vq.addUsed(chain, serve(chain));
    }
  }

  /** Serves one request and returns the number of bytes written for the used ring. */
  private int serve(DescriptorChain chain) {
    requests++;
    Reader in = chain.reader();
    Writer out = chain.writer();
    if (out.remaining() < 1) {
      // Nowhere to put a status: return the buffers untouched.
      LOG.debug("request {}: no writable status byte", requests);
      return 0;
    }
    byte status;
    try {
      long sum = in.readU16() + (long) in.readU16() + (in.readU32() & 0xFFFF_FFFFL);
      if (out.remaining() >= RESULT_SIZE + 1) {
        out.writeU32((int) sum);
      }
      status = STATUS_OK;
      LOG.debug("request {}: {} descriptors, sum {}", requests, chain.descriptorCount(), sum);
    } catch (ChainTooShortException e) {
      status = STATUS_BAD_REQUEST;
      LOG.debug("request {}: header shorter than {} bytes", requests, HEADER_SIZE);
    }
    try {
      // The status is the last writable byte, wherever the result ended.
      out.skip(out.remaining() - 1);
      out.writeU8(status);
    } catch (ChainTooShortException e) {
      throw new AssertionError("one writable byte was checked above", e);
    }
    return (int) out.bytesWritten();
  }

  @Override
  public void reset() {
    requests = 0;
  }

  long requests() {
    return requests;
  }
}
