// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

/**
 * Received frames waiting for guest buffers: a bounded ring of preallocated frames between the
 * receive loop (producer) and the worker (consumer). Bounded, unlike Rust's queue: when it is
 * full the loop stops reading the socket and the kernel's socket buffer holds (or drops) the rest.
 */
final class CanRxFifo {
  private final CanFrame[] slots;
  private int head;
  private int count;

  CanRxFifo(int capacity) {
    slots = new CanFrame[capacity];
    for (int i = 0; i < capacity; i++) {
      slots[i] = new CanFrame();
    }
  }

  /** Copies {@code frame} in; false when full. */
  synchronized boolean offer(CanFrame frame) {
    if (count == slots.length) {
      return false;
    }
    slots[(head + count) % slots.length].copyFrom(frame);
    count++;
    return true;
  }

  /** Copies the oldest frame into {@code into} and removes it; false when empty. */
  synchronized boolean poll(CanFrame into) {
    if (count == 0) {
      return false;
    }
    into.copyFrom(slots[head]);
    head = (head + 1) % slots.length;
    count--;
    return true;
  }

  /** Puts a frame taken by {@link #poll} back at the front (no guest buffer for it yet). */
  synchronized void unpoll(CanFrame frame) {
    head = (head + slots.length - 1) % slots.length;
    slots[head].copyFrom(frame);
    count = Math.min(count + 1, slots.length);
  }

  synchronized boolean isFull() {
    return count == slots.length;
  }

  synchronized int size() {
    return count;
  }

  synchronized void clear() {
    head = 0;
    count = 0;
  }

  int capacity() {
    return slots.length;
  }
}
