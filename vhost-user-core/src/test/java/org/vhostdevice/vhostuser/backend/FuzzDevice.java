// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * The device behind the protocol fuzzer and the hostile suites: two queues on two workers and a
 * writable config space. It reads every readable byte of a request and fills every writable one,
 * so the fuzzer's ring contents reach the chain walker and both cursors through the real worker.
 */
final class FuzzDevice implements VirtioDevice {
  static final int QUEUES = 2;
  static final int QUEUE_SIZE = 256;
  private static final int CONFIG_SIZE = 16;

  private final byte[] config = new byte[CONFIG_SIZE];
  /** Scratch for reads and writes: one per device, never per request. */
  private final MemorySegment scratch = Arena.ofAuto().allocate(4096);

  @Override
  public String name() {
    return "fuzz";
  }

  @Override
  public int deviceType() {
    return 0;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.RING_EVENT_IDX;
  }

  @Override
  public int numQueues() {
    return QUEUES;
  }

  @Override
  public int maxQueueSize(int queue) {
    return QUEUE_SIZE;
  }

  @Override
  public int configSize() {
    return CONFIG_SIZE;
  }

  @Override
  public synchronized void readConfig(int offset, byte[] dst) {
    System.arraycopy(config, offset, dst, 0, dst.length);
  }

  @Override
  public synchronized void writeConfig(int offset, byte[] data) {
    System.arraycopy(data, 0, config, offset, data.length);
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    DescriptorChain c;
    while ((c = vq.pop()) != null) {
      while (c.reader().read(scratch) > 0) {
        // drain: the reader walks every readable piece
      }
      long written = 0;
      long n;
      while ((n = c.writer().write(scratch)) > 0) {
        written += n;
      }
      vq.addUsed(c, (int) written);
    }
  }
}
