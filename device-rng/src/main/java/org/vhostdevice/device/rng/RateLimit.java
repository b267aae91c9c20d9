// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

/**
 * At most {@code budget} bytes per {@code period}, in windows that start when the first request
 * after the previous window arrives (the Rust daemon's rule). Time is passed in, so the limit
 * never sleeps: when the budget is spent the device asks to be called back when the window ends.
 */
final class RateLimit {
  private final long periodNanos;
  private final long budget;
  private long windowStart;
  private long left;
  private boolean started;

  RateLimit(long periodNanos, long budget) {
    this.periodNanos = periodNanos;
    this.budget = budget;
  }

  /** Bytes that may be produced now (0: wait for {@link #nanosUntilNextWindow}). */
  long allowance(long now) {
    if (!started || now - windowStart >= periodNanos) {
      started = true;
      windowStart = now;
      left = budget;
    }
    return left;
  }

  void consume(long bytes) {
    left -= Math.min(bytes, left);
  }

  long nanosUntilNextWindow(long now) {
    return Math.max(0, windowStart + periodNanos - now);
  }
}
