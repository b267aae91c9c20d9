// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import java.io.IOException;

/**
 * The host side of one GPIO controller. {@link LinuxGpioChip} drives {@code /dev/gpiochipN}
 * through the kernel's GPIO character-device v2 uAPI; {@link SimulatedGpioChip} is the {@code sN}
 * chip held in memory. Line numbers are checked by the caller (0 ≤ line < {@link #numLines()}).
 *
 * <p>Edges reach the device through {@link #edgeFd()}: a descriptor that becomes readable when
 * edges may be pending, after which {@link #drainEdges} reports them without blocking. Only
 * edges the line was armed for with {@link #setIrqType} are reported.
 */
public interface GpioChip extends AutoCloseable {
  int DIRECTION_NONE = 0;
  int DIRECTION_OUT = 1;
  int DIRECTION_IN = 2;

  /** Receives one edge: the line and whether the level rose (else it fell). */
  @FunctionalInterface
  interface EdgeSink {
    void edge(int line, boolean rising);
  }

  int numLines();

  /** The line's name, "" when it has none. */
  String lineName(int line);

  /** The host's current view of the direction: one of the DIRECTION_* constants. */
  int direction(int line) throws IOException;

  /**
   * Requests (or reconfigures, or with DIRECTION_NONE releases) the line; {@code value} is the
   * initial output level for DIRECTION_OUT.
   */
  void setDirection(int line, int direction, int value) throws IOException;

  int value(int line) throws IOException;

  void setValue(int line, int value) throws IOException;

  /** Arms edge (or, where supported, level) detection: a VIRTIO_GPIO_IRQ_TYPE_* value. */
  void setIrqType(int line, int type) throws IOException;

  /** A pollable descriptor, readable when {@link #drainEdges} may have something to report. */
  int edgeFd();

  /** Reports the edges seen since the last call, without blocking. */
  void drainEdges(EdgeSink sink) throws IOException;

  /** Back to the state of a freshly opened chip: every line released, nothing armed. */
  void releaseAll();

  @Override
  void close();
}
