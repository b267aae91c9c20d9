// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import java.io.IOException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-rng (device ID 4): one request queue; each request is one device-writable buffer that
 * the device fills from the entropy source, within this guest's rate limit.
 *
 * <p>Differences from the Rust daemon, on purpose: a chain that is not exactly one writable
 * descriptor is returned with length 0 and the queue goes on (Rust's worker thread dies); a
 * source read error returns the request with length 0 (Rust's worker dies); a spent budget
 * leaves requests in the ring and asks the core for a callback at the next window instead of
 * sleeping in the worker, so a throttled daemon still stops, resets and exits at once.
 */
public final class RngDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(RngDevice.class);
  static final int VIRTIO_ID_RNG = 4;
  static final int QUEUE_SIZE = 1024;

  private final EntropySource source;
  private final RateLimit limit;
  private final LongSupplier clock;
  private long rejected;
  private long readErrors;

  /**
   * @param budget bytes this guest may take per {@code periodNanos}
   * @param clock monotonic nanoseconds ({@code System::nanoTime} outside tests)
   */
  public RngDevice(EntropySource source, long periodNanos, long budget, LongSupplier clock) {
    this.source = source;
    this.limit = new RateLimit(periodNanos, budget);
    this.clock = clock;
  }

  @Override
  public String name() {
    return "rng";
  }

  @Override
  public int deviceType() {
    return VIRTIO_ID_RNG;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY;
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
      if (chain.descriptorCount() != 1 || !chain.descriptorWritable(0)) {
        // One writable buffer per request is all the driver may send; give anything else back.
        if (rejected++ % 1000 == 0) {
          LOG.warn("rng: request with {} descriptor(s), first {}, returned unused ({} so far)",
              chain.descriptorCount(), chain.descriptorWritable(0) ? "writable" : "readable",
              rejected);
        }
        vq.addUsed(chain, 0);
        continue;
      }
      long now = clock.getAsLong();
      long allowed = limit.allowance(now);
      if (allowed == 0) {
        vq.undoPop();
        vq.retryAfter(limit.nanosUntilNextWindow(now));
        return;
      }
      int want = (int) Math.min(chain.writableBytes(), allowed);
      int got = 0;
      try {
        got = source.fill(chain.writer(), want);
      } catch (IOException e) {
        if (readErrors++ % 1000 == 0) {
          LOG.error("rng: reading {} failed ({} so far): {}", source.path(), readErrors,
              e.getMessage());
        }
      }
      limit.consume(got);
      vq.addUsed(chain, got);
    }
  }
}
