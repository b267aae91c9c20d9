// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

/**
 * Notifications waiting for an event-queue buffer: a bounded FIFO of preallocated messages. When
 * it is full the oldest is dropped (a newer sensor update supersedes it), so a guest that posts
 * no event buffers costs a fixed amount of memory.
 */
final class NotificationQueue {
  private final Words[] slots;
  private int head;
  private int count;
  private long dropped;

  NotificationQueue(int capacity, int maxWords) {
    slots = new Words[capacity];
    for (int i = 0; i < capacity; i++) {
      slots[i] = new Words(maxWords);
    }
  }

  boolean isEmpty() {
    return count == 0;
  }

  int size() {
    return count;
  }

  long dropped() {
    return dropped;
  }

  /** Appends a copy of {@code message}, dropping the oldest one if the queue is full. */
  void offer(Words message) {
    if (count == slots.length) {
      head = (head + 1) % slots.length;
      count--;
      dropped++;
    }
    Words slot = slots[(head + count) % slots.length];
    slot.clear();
    for (int i = 0; i < message.size(); i++) {
      slot.add(message.get(i));
    }
    count++;
  }

  /** The oldest message (valid until the next {@link #remove} or {@link #offer}). */
  Words peek() {
    return count == 0 ? null : slots[head];
  }

  void remove() {
    if (count > 0) {
      head = (head + 1) % slots.length;
      count--;
    }
  }

  void clear() {
    head = 0;
    count = 0;
  }
}
