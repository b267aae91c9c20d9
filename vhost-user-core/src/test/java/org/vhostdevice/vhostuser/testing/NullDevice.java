// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.testing;

import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * A device that completes every request with used length 0: the cheapest possible device, for
 * protocol tests and for benchmarks of the core's data path. Shipped in the test jar only.
 */
public final class NullDevice implements VirtioDevice {
  private final int queues;
  private final int queueSize;

  public NullDevice(int queues, int queueSize) {
    this.queues = queues;
    this.queueSize = queueSize;
  }

  @Override
  public String name() {
    return "null";
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
    return queues;
  }

  @Override
  public int maxQueueSize(int queue) {
    return queueSize;
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    DescriptorChain c;
    while ((c = vq.pop()) != null) {
      vq.addUsed(c, 0);
    }
  }
}
