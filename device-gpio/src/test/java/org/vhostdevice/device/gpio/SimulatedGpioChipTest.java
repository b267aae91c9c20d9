// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sN chip: names, paired lines, and the edges it reports. */
class SimulatedGpioChipTest {
  private final SimulatedGpioChip chip;

  SimulatedGpioChipTest() throws Exception {
    chip = new SimulatedGpioChip(5);
  }

  @AfterEach
  void close() {
    chip.close();
  }

  private List<String> edges() throws Exception {
    List<String> seen = new ArrayList<>();
    chip.drainEdges((line, rising) -> seen.add(line + (rising ? "+" : "-")));
    return seen;
  }

  @Test
  void linesAreNamedLikeTheRustMock() {
    assertEquals(5, chip.numLines());
    assertEquals("dummy0", chip.lineName(0));
    assertEquals("dummy4", chip.lineName(4));
  }

  @Test
  void anOutputDrivesItsPartner() {
    chip.setDirection(1, GpioChip.DIRECTION_IN, -1);
    chip.setDirection(0, GpioChip.DIRECTION_OUT, 1);
    assertEquals(1, chip.value(1));
    assertEquals(1, chip.value(0));
    chip.setValue(0, 0);
    assertEquals(0, chip.value(1));
  }

  @Test
  void anUndrivenInputReadsZero() {
    chip.setDirection(3, GpioChip.DIRECTION_IN, -1);
    assertEquals(0, chip.value(3));
    chip.setDirection(4, GpioChip.DIRECTION_IN, -1); // no partner
    assertEquals(0, chip.value(4));
  }

  @Test
  void armedEdgesAreReportedOthersAreNot() throws Exception {
    chip.setDirection(1, GpioChip.DIRECTION_IN, -1);
    chip.setIrqType(1, IrqType.EDGE_RISING);
    chip.setDirection(0, GpioChip.DIRECTION_OUT, 1);
    chip.setValue(0, 0);
    assertEquals(List.of("1+"), edges());
    chip.setIrqType(1, IrqType.NONE);
    chip.setIrqType(1, IrqType.EDGE_BOTH);
    chip.setValue(0, 1);
    chip.setValue(0, 0);
    assertEquals(List.of("1+", "1-"), edges());
    assertEquals(List.of(), edges());
  }

  @Test
  void aLevelThatAlreadyHoldsFiresWhenArmed() throws Exception {
    chip.setDirection(3, GpioChip.DIRECTION_IN, -1);
    chip.setIrqType(3, IrqType.LEVEL_LOW);
    assertEquals(List.of("3-"), edges());
  }

  @Test
  void releaseAllReturnsToTheStart() {
    chip.setDirection(0, GpioChip.DIRECTION_OUT, 1);
    chip.releaseAll();
    assertEquals(GpioChip.DIRECTION_NONE, chip.direction(0));
    assertEquals(0, chip.value(1));
  }
}
