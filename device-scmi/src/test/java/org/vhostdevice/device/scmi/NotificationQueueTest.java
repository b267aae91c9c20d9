// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bounded FIFO of notifications waiting for event buffers. */
class NotificationQueueTest {
  private static Words message(int first) {
    Words w = new Words(4);
    w.add(first);
    w.add(first + 1);
    return w;
  }

  @Test
  void messagesComeOutInOrderAsCopies() {
    NotificationQueue q = new NotificationQueue(4, 4);
    Words m = message(1);
    q.offer(m);
    m.set(0, 99);
    q.offer(message(10));
    assertEquals(1, q.peek().get(0));
    assertEquals(2, q.peek().size());
    q.remove();
    assertEquals(10, q.peek().get(0));
    q.remove();
    assertTrue(q.isEmpty());
    assertNull(q.peek());
  }

  @Test
  void aFullQueueDropsTheOldest() {
    NotificationQueue q = new NotificationQueue(2, 4);
    q.offer(message(1));
    q.offer(message(2));
    q.offer(message(3));
    assertEquals(2, q.size());
    assertEquals(1, q.dropped());
    assertEquals(2, q.peek().get(0));
  }

  @Test
  void clearEmptiesIt() {
    NotificationQueue q = new NotificationQueue(2, 4);
    q.offer(message(1));
    q.clear();
    assertTrue(q.isEmpty());
  }
}
