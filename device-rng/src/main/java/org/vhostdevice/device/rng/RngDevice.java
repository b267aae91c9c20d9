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
 * descriptor is returned with length 0 and the queue goes on (Rust's worker thread dies); when
 * the source has nothing (a read error, a FIFO without writer or data) the request stays in the
 * ring and is retried with a back-off of at most 1 s (Rust's worker dies on an error); a spent budget
 * leaves requests in the ring and asks the core for a callback at the next window instead of
 * sleeping in the worker, so a throttled daemon still stops, resets and exits at once.
 */
public final class RngDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(RngDevice.class);
  static final int VIRTIO_ID_RNG = 4;
  static final int QUEUE_SIZE = 1024;

  /** Back-off while the source has nothing: from 10 ms, doubling, up to 1 s (never a spin). */
  static final long MIN_RETRY_NANOS = 10_000_000L;
  static final long MAX_RETRY_NANOS = 1_000_000_000L;

  private final EntropySource source;
  private final RateLimit limit;
  private final LongSupplier clock;
  private long rejected;
  private long retryNanos = MIN_RETRY_NANOS;

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
      int got;
      IOException failure = null;
      try {
        got = source.fill(chain.writer(), want);
      } catch (IOException e) {
        got = EntropySource.NOTHING_NOW;
        failure = e;
      }
      if (got == EntropySource.NOTHING_NOW) {
        // Leave the request in the ring and come back later: the source may deliver again (a
        // new FIFO writer, a device that recovers). Answering 0 bytes would stall the Linux
        // driver, which does not queue a new buffer after an empty answer.
        vq.undoPop();
        source.noteDry(failure);
        vq.retryAfter(retryNanos);
        retryNanos = Math.min(retryNanos * 2, MAX_RETRY_NANOS);
        return;
      }
      retryNanos = MIN_RETRY_NANOS;
      if (got == 0) {
        if (want > 0) {
          source.noteExhausted();
        }
      } else {
        source.noteDelivering();
      }
      limit.consume(got);
      vq.addUsed(chain, got);
    }
  }
}
