// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CanRxFifoTest {
  @Test
  void framesComeOutInOrder() {
    CanRxFifo f = new CanRxFifo(4);
    f.offer(FakeCanBus.frame(1, false));
    f.offer(FakeCanBus.frame(2, false));
    CanFrame out = new CanFrame();
    assertTrue(f.poll(out));
    assertEquals(1, out.canId);
    assertTrue(f.poll(out));
    assertEquals(2, out.canId);
    assertFalse(f.poll(out));
  }

  @Test
  void itIsBounded() {
    CanRxFifo f = new CanRxFifo(2);
    assertTrue(f.offer(FakeCanBus.frame(1, false)));
    assertTrue(f.offer(FakeCanBus.frame(2, false)));
    assertTrue(f.isFull());
    assertFalse(f.offer(FakeCanBus.frame(3, false)));
  }

  @Test
  void aFrameTakenWithoutABufferGoesBackToTheFront() {
    CanRxFifo f = new CanRxFifo(4);
    f.offer(FakeCanBus.frame(1, false));
    f.offer(FakeCanBus.frame(2, false));
    CanFrame out = new CanFrame();
    f.poll(out);
    f.unpoll(out);
    assertEquals(2, f.size());
    f.poll(out);
    assertEquals(1, out.canId);
  }
}
