// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** The line state machine (Rust's GpioController tests). */
class GpioControllerTest {
  private static GpioController controller(int lines) throws Exception {
    return new GpioController(new ProgrammableChip(lines));
  }

  @Test
  void configHoldsTheLineCountAndTheNamesSize() throws Exception {
    GpioController c = controller(4);
    // names: "gpio0\0" "\0" "gpio2\0" "\0" = 14 bytes
    assertArrayEquals(new byte[] {4, 0, 0, 0, 14, 0, 0, 0}, c.config());
    assertArrayEquals("gpio0\0\0gpio2\0\0".getBytes(StandardCharsets.US_ASCII), c.names());
  }

  @Test
  void aNewControllerHasNoDirectionAndNoInterrupt() throws Exception {
    GpioController c = controller(8);
    for (int i = 0; i < 8; i++) {
      assertEquals(GpioChip.DIRECTION_NONE, c.direction(i));
      assertEquals(IrqType.NONE, c.irqType(i));
    }
  }

  @Test
  void fullSequencesOnEveryLineOf256() throws Exception {
    ProgrammableChip chip = new ProgrammableChip(256);
    GpioController c = new GpioController(chip);
    for (int i = 0; i < 256; i++) {
      c.setValue(i, 1);
      c.setDirection(i, GpioChip.DIRECTION_OUT);
      assertEquals(GpioChip.DIRECTION_OUT, c.direction(i));
      assertEquals(1, c.value(i));
      c.setDirection(i, GpioChip.DIRECTION_IN);
      c.setIrqType(i, IrqType.EDGE_BOTH);
      assertEquals(IrqType.EDGE_BOTH, c.irqType(i));
      c.setIrqType(i, IrqType.NONE);
      c.setDirection(i, GpioChip.DIRECTION_NONE);
      assertEquals(GpioChip.DIRECTION_NONE, c.direction(i));
    }
    assertEquals("dir 255 1 1", chip.calls.get(chip.calls.size() - 5));
  }

  @Test
  void outputNeedsAValueFirst() throws Exception {
    assertEquals("Invalid current gpio value", assertThrows(GpioException.class,
        () -> controller(4).setDirection(0, GpioChip.DIRECTION_OUT)).getMessage());
  }

  @Test
  void directionNoneForgetsTheValue() throws Exception {
    GpioController c = controller(4);
    c.setValue(0, 1);
    c.setDirection(0, GpioChip.DIRECTION_NONE);
    assertThrows(GpioException.class, () -> c.setDirection(0, GpioChip.DIRECTION_OUT));
  }

  @Test
  void anInvalidDirectionIsRefusedWithTheDirectionInTheMessage() throws Exception {
    assertEquals("Invalid gpio direction: 10", assertThrows(GpioException.class,
        () -> controller(4).setDirection(0, 10)).getMessage());
  }

  @Test
  void aValueOtherThanZeroOrOneIsRefused() throws Exception {
    assertThrows(GpioException.class, () -> controller(4).setValue(0, 10));
  }

  @Test
  void irqTypeRules() throws Exception {
    GpioController c = controller(4);
    assertThrows(GpioException.class, () -> c.setIrqType(0, 0x10), "unknown type");
    assertThrows(GpioException.class, () -> c.setIrqType(0, 5), "not a single type");
    assertThrows(GpioException.class, () -> c.setIrqType(0, IrqType.NONE), "NONE -> NONE");
    c.setIrqType(0, IrqType.EDGE_RISING);
    assertThrows(GpioException.class, () -> c.setIrqType(0, IrqType.EDGE_FALLING),
        "rising -> falling without NONE");
    c.setIrqType(0, IrqType.NONE);
    c.setIrqType(0, IrqType.LEVEL_LOW);
  }

  @Test
  void aLinePastTheLastIsRefusedEverywhere() throws Exception {
    GpioController c = controller(4);
    assertThrows(GpioException.class, () -> c.direction(4));
    assertThrows(GpioException.class, () -> c.setDirection(4, 2));
    assertThrows(GpioException.class, () -> c.value(65535));
    assertThrows(GpioException.class, () -> c.setValue(4, 1));
    assertThrows(GpioException.class, () -> c.setIrqType(4, 1));
  }

  @Test
  void chipFailuresPropagateAndLeaveTheStateAlone() throws Exception {
    ProgrammableChip chip = new ProgrammableChip(4);
    GpioController c = new GpioController(chip);
    chip.irqFailure = new NativeException("ioctl(GPIO_V2_LINE_SET_CONFIG)", 22);
    assertThrows(NativeException.class, () -> c.setIrqType(1, IrqType.EDGE_RISING));
    assertEquals(IrqType.NONE, c.irqType(1));
    chip.valueFailure = new NativeException("ioctl(GPIO_V2_LINE_GET_VALUES)", 1);
    assertThrows(NativeException.class, () -> c.value(1));
    chip.directionFailure = new NativeException("ioctl(GPIO_V2_GET_LINEINFO)", 5);
    assertThrows(NativeException.class, () -> c.direction(1));
    chip.setValueFailure = new NativeException("ioctl(GPIO_V2_LINE_SET_VALUES)", 1);
    assertThrows(NativeException.class, () -> c.setValue(1, 1));
    assertThrows(GpioException.class, () -> c.setDirection(1, GpioChip.DIRECTION_OUT),
        "the failed value was not remembered");
  }

  @Test
  void resetReleasesTheChipAndForgetsEverything() throws Exception {
    ProgrammableChip chip = new ProgrammableChip(4);
    GpioController c = new GpioController(chip);
    c.setValue(0, 1);
    c.setIrqType(1, IrqType.EDGE_BOTH);
    c.reset();
    assertEquals(1, chip.releases);
    assertEquals(IrqType.NONE, c.irqType(1));
    assertThrows(GpioException.class, () -> c.setDirection(0, GpioChip.DIRECTION_OUT));
  }
}
