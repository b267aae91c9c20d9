// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.memory;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The current guest memory map of one frontend connection. The control thread {@link #publish
 * publishes} a new map (SET_MEM_TABLE, ADD/REM_MEM_REG) while workers run; a worker {@link
 * #acquire acquires} a snapshot per batch and releases it when the batch is done. Unmapping waits
 * for the last holder, so a worker never touches memory that is gone.
 */
public final class GuestMemoryHandle implements AutoCloseable {
  private final AtomicReference<GuestMemory> current;

  public GuestMemoryHandle() {
    this(GuestMemory.empty());
  }

  /** Starts with {@code initial}; the handle owns the reference the caller had to it. */
  public GuestMemoryHandle(GuestMemory initial) {
    current = new AtomicReference<>(initial);
  }

  /** The current map with a reference taken: release it when the batch is done. */
  public GuestMemory acquire() {
    while (true) {
      GuestMemory m = current.get();
      if (m.tryRetain()) {
        return m;
      }
      // Lost a race with publish(): the map we saw was retired in between. Read again.
      Thread.onSpinWait();
    }
  }

  /** The current map without a reference: for the control thread, which is the only writer. */
  public GuestMemory peek() {
    return current.get();
  }

  /** Installs {@code next} (the handle takes the caller's reference) and retires the old map. */
  public void publish(GuestMemory next) {
    current.getAndSet(next).release();
  }

  /** Retires the current map: its regions unmap once the last worker has released it. */
  @Override
  public void close() {
    publish(GuestMemory.empty());
  }
}
