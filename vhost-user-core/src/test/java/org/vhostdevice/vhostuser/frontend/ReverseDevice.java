// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.lang.foreign.MemorySegment;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.vhostuser.device.DeviceException;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * A device for frontend tests: one queue of up to 256 entries, 8 bytes of read-only config space,
 * and requests answered by writing their readable bytes back reversed into the writable part.
 */
public final class ReverseDevice implements VirtioDevice {
  public static final byte[] CONFIG = {10, 20, 30, 40, 50, 60, 70, 80};

  @Override
  public String name() {
    return "reverse";
  }

  @Override
  public int deviceType() {
    return 0;
  }

  @Override
  public long features() {
    return COMMON_FEATURES;
  }

  @Override
  public int numQueues() {
    return 1;
  }

  @Override
  public int maxQueueSize(int queue) {
    return 256;
  }

  @Override
  public int configSize() {
    return CONFIG.length;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    System.arraycopy(CONFIG, offset, dst, 0, dst.length);
  }

  @Override
  public void writeConfig(int offset, byte[] data) throws DeviceException {
    throw new DeviceException("the reverse device's config space is read-only");
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    DescriptorChain c;
    while ((c = vq.pop()) != null) {
      byte[] in = new byte[(int) c.readableBytes()];
      c.reader().readFully(MemorySegment.ofArray(in));
      byte[] out = new byte[in.length];
      for (int i = 0; i < in.length; i++) {
        out[i] = in[in.length - 1 - i];
      }
      vq.addUsed(c, (int) c.writer().write(MemorySegment.ofArray(out)));
    }
  }
}
