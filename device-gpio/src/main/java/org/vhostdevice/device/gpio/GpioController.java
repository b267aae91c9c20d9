// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The guest-visible line state machine of virtio-gpio, independent of the host chip: direction,
 * remembered output value and interrupt type per line, the rules for changing them (virtio spec
 * 5.17 and the Rust daemon), the config space and the line-names blob. Line numbers are checked
 * here: a number past the last line is refused (the Rust daemon panics on it).
 */
public final class GpioController {
  /** struct virtio_gpio_config: le16 ngpio, u8 padding[2], le32 gpio_names_size. */
  static final int CONFIG_SIZE = 8;

  private final GpioChip chip;
  private final int lines;
  private final int[] value;
  private final int[] irqType;
  private final byte[] names;
  private final byte[] config = new byte[CONFIG_SIZE];

  public GpioController(GpioChip chip) {
    this.chip = chip;
    this.lines = Math.min(chip.numLines(), 0xFFFF);
    this.value = new int[lines];
    this.irqType = new int[lines];
    Arrays.fill(value, -1);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    for (int i = 0; i < lines; i++) {
      blob.writeBytes(chip.lineName(i).getBytes(StandardCharsets.UTF_8));
      blob.write(0);
    }
    this.names = blob.toByteArray();
    config[0] = (byte) lines;
    config[1] = (byte) (lines >> 8);
    for (int i = 0; i < 4; i++) {
      config[4 + i] = (byte) (names.length >> (8 * i));
    }
  }

  public GpioChip chip() {
    return chip;
  }

  public int lines() {
    return lines;
  }

  public byte[] config() {
    return config.clone();
  }

  /** Every line's name followed by a NUL, in line order. */
  public byte[] names() {
    return names.clone();
  }

  int namesSize() {
    return names.length;
  }

  void checkLine(int line) throws GpioException {
    if (line < 0 || line >= lines) {
      throw new GpioException("gpio " + line + " does not exist (the chip has " + lines
          + " lines)");
    }
  }

  public synchronized int direction(int line) throws IOException {
    checkLine(line);
    return chip.direction(line);
  }

  public synchronized void setDirection(int line, int direction) throws IOException {
    checkLine(line);
    switch (direction) {
      case GpioChip.DIRECTION_NONE -> {
        chip.setDirection(line, direction, -1);
        value[line] = -1;
      }
      case GpioChip.DIRECTION_IN -> chip.setDirection(line, direction, -1);
      case GpioChip.DIRECTION_OUT -> {
        if (value[line] < 0) {
          throw new GpioException("Invalid current gpio value");
        }
        chip.setDirection(line, direction, value[line]);
      }
      default -> throw new GpioException("Invalid gpio direction: " + direction);
    }
  }

  public synchronized int value(int line) throws IOException {
    checkLine(line);
    return chip.value(line);
  }

  public synchronized void setValue(int line, int v) throws IOException {
    checkLine(line);
    if (v != 0 && v != 1) {
      throw new GpioException("Invalid gpio value: " + v);
    }
    chip.setValue(line, v);
    value[line] = v;
  }

  public synchronized int irqType(int line) {
    return line >= 0 && line < lines ? irqType[line] : IrqType.NONE;
  }

  /**
   * Changes the interrupt type: only to a valid type, only to a different one, and between two
   * interrupt types only through NONE (the spec's rule, which keeps edge waits coherent).
   */
  public synchronized void setIrqType(int line, int type) throws IOException {
    checkLine(line);
    if (!IrqType.valid(type)) {
      throw new GpioException("Invalid irq type: " + type);
    }
    int current = irqType[line];
    if (type == current) {
      throw new GpioException("gpio " + line + " already has irq type " + type);
    }
    if (current != IrqType.NONE && type != IrqType.NONE) {
      throw new GpioException("gpio " + line + ": irq type " + current + " -> " + type
          + " must go through NONE");
    }
    chip.setIrqType(line, type);
    irqType[line] = type;
  }

  /** Back to the state of a new connection: the chip's lines released, nothing remembered. */
  public synchronized void reset() {
    chip.releaseAll();
    Arrays.fill(value, -1);
    Arrays.fill(irqType, IrqType.NONE);
  }
}
