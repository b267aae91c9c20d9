// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.vhostuser.device.DeviceException;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * A device for protocol tests: two queues, 8 bytes of config space (byte 0 writable), each
 * request completed with the number of writable bytes, optionally held inside handleQueue until a
 * test releases it (to catch work that runs after a stop).
 */
class TestDevice implements VirtioDevice {
  final AtomicInteger handled = new AtomicInteger();
  final AtomicInteger calls = new AtomicInteger();
  final AtomicInteger resets = new AtomicInteger();
  final AtomicInteger started = new AtomicInteger();
  final AtomicInteger stopped = new AtomicInteger();
  final byte[] config = {1, 2, 3, 4, 5, 6, 7, 8};
  volatile Semaphore gate;
  /** When set, the next request popped makes handleQueue throw it (a device bug). */
  volatile Throwable failNext;
  /** When set, the next handleQueue takes nothing and asks to be called again this much later. */
  volatile long deferNanos = -1;
  volatile CountDownLatch inside = new CountDownLatch(1);

  @Override
  public String name() {
    return "test";
  }

  @Override
  public int deviceType() {
    return 42;
  }

  @Override
  public long features() {
    return COMMON_FEATURES;
  }

  @Override
  public int numQueues() {
    return 2;
  }

  @Override
  public int maxQueueSize(int queue) {
    return 256;
  }

  @Override
  public int configSize() {
    return config.length;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    System.arraycopy(config, offset, dst, 0, dst.length);
  }

  @Override
  public void writeConfig(int offset, byte[] data) throws DeviceException {
    if (offset != 0 || data.length != 1) {
      throw new DeviceException("only byte 0 is writable");
    }
    config[0] = data[0];
  }

  /** The queues as last started, for tests that wake them from another thread. */
  final VirtQueue[] queues = new VirtQueue[2];

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    queues[queue] = vq;
    started.incrementAndGet();
  }

  @Override
  public void queueStopped(int queue) {
    stopped.incrementAndGet();
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    calls.incrementAndGet();
    long defer = deferNanos;
    if (defer >= 0) {
      deferNanos = -1;
      vq.retryAfter(defer);
      return;
    }
    DescriptorChain chain;
    while ((chain = vq.pop()) != null) {
      Semaphore g = gate;
      if (g != null) {
        inside.countDown();
        g.acquire();
      }
      Throwable bug = failNext;
      if (bug != null) {
        failNext = null;
        if (bug instanceof Error err) {
          throw err;
        }
        throw (Exception) bug;
      }
      handled.incrementAndGet();
      vq.addUsed(chain, (int) chain.writableBytes());
    }
  }

  @Override
  public void reset() {
    resets.incrementAndGet();
  }
}
