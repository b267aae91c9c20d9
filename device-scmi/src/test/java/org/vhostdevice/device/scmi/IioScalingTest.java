// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Choosing the SCMI exponent and resolution from an IIO scale. */
class IioScalingTest {
  @Test
  void exponentIsTheFloorOfLog10() {
    assertEquals(0, IioScaling.exponentOf(1.23, 0).exponent());
    assertEquals(-4, IioScaling.exponentOf(0.000123, 0).exponent());
    assertEquals(2, IioScaling.exponentOf(123, 0).exponent());
  }

  @Test
  void resolutionIsTheLeadingDigitAtThatExponent() {
    assertEquals(5, IioScaling.exponentOf(0.000598205, 0).resolution());
    assertEquals(4, IioScaling.exponentOf(456, 0).resolution());
  }

  @Test
  void unitPlusCustomExponentIsClampedToFiveBits() {
    assertEquals(15 - 3, IioScaling.exponentOf(1e20, 3).exponent());
    assertEquals(-16 + 9, IioScaling.exponentOf(1e-12, -9).exponent());
  }

  @Test
  void nonPositiveScalesGetNoExponent() {
    assertEquals(IioScaling.Exponent.NONE, IioScaling.exponentOf(0, 0));
    assertEquals(IioScaling.Exponent.NONE, IioScaling.exponentOf(-2, 0));
  }

  @Test
  void roundingIsHalfAwayFromZeroLikeRust() {
    assertEquals(3, IioScaling.roundHalfAwayFromZero(2.5));
    assertEquals(-3, IioScaling.roundHalfAwayFromZero(-2.5));
    assertEquals(-2, IioScaling.roundHalfAwayFromZero(-2.4));
  }
}
