// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RateLimitTest {
  @Test
  void theFirstRequestOpensAWindowWithTheWholeBudget() {
    RateLimit l = new RateLimit(1000, 50);
    assertEquals(50, l.allowance(12345));
  }

  @Test
  void consumptionIsCountedWithinAWindow() {
    RateLimit l = new RateLimit(1000, 50);
    l.allowance(0);
    l.consume(30);
    assertEquals(20, l.allowance(500));
    l.consume(100);
    assertEquals(0, l.allowance(999));
    assertEquals(1, l.nanosUntilNextWindow(999));
  }

  @Test
  void aNewWindowRefillsTheBudget() {
    RateLimit l = new RateLimit(1000, 50);
    l.allowance(0);
    l.consume(50);
    assertEquals(50, l.allowance(1000));
    assertEquals(1000, l.nanosUntilNextWindow(1000));
  }

  @Test
  void windowsStartWithTheFirstRequestAfterAQuietSpell() {
    RateLimit l = new RateLimit(1000, 50);
    l.allowance(0);
    l.consume(50);
    assertEquals(50, l.allowance(10_500));
    l.consume(50);
    assertEquals(1000, l.nanosUntilNextWindow(10_500));
  }
}
