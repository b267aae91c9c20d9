// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * The simulated chip of {@code -l sN}: N lines named dummy0, dummy1, ... held in memory, so that
 * the daemon can be tried without GPIO hardware. Lines are wired in pairs (0-1, 2-3, ...): an
 * input reads the level its partner drives when the partner is an output, else 0 (pulled down).
 * So a guest that drives line 0 sees the level, and the edges, on line 1. Every operation
 * succeeds; edges and levels of every VIRTIO_GPIO_IRQ_TYPE are reported.
 */
public final class SimulatedGpioChip implements GpioChip {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedGpioChip.class);

  private final int lines;
  private final int[] direction;
  private final int[] driven;
  private final int[] irqType;
  private final int[] level;
  private final boolean[] rose;
  private final boolean[] fell;
  private final EventFd edges;

  public SimulatedGpioChip(int lines) throws NativeException {
    this.lines = lines;
    direction = new int[lines];
    driven = new int[lines];
    irqType = new int[lines];
    level = new int[lines];
    rose = new boolean[lines];
    fell = new boolean[lines];
    edges = EventFd.create();
  }

  @Override
  public int numLines() {
    return lines;
  }

  @Override
  public String lineName(int line) {
    return "dummy" + line;
  }

  @Override
  public synchronized int direction(int line) {
    return direction[line];
  }

  @Override
  public synchronized void setDirection(int line, int dir, int value) {
    direction[line] = dir;
    if (dir == DIRECTION_OUT) {
      driven[line] = value;
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("simulated gpio {}: direction {} value {}", line, dir, value);
    }
    settle(line);
  }

  @Override
  public synchronized int value(int line) {
    return level[line];
  }

  @Override
  public synchronized void setValue(int line, int value) {
    driven[line] = value;
    if (LOG.isDebugEnabled()) {
      LOG.debug("simulated gpio {}: value {}", line, value);
    }
    settle(line);
  }

  @Override
  public synchronized void setIrqType(int line, int type) {
    irqType[line] = type;
    rose[line] = false;
    fell[line] = false;
    // A level interrupt whose level already holds fires at once.
    if (IrqType.isLevel(type) && IrqType.fires(type, level[line] == 1)) {
      mark(line, level[line] == 1);
    }
  }

  /** Recomputes the levels of {@code line} and its partner after a change to {@code line}. */
  private void settle(int line) {
    update(line);
    int partner = line ^ 1;
    if (partner < lines) {
      update(partner);
    }
  }

  private void update(int line) {
    int partner = line ^ 1;
    int now;
    if (direction[line] == DIRECTION_OUT) {
      now = driven[line];
    } else if (partner < lines && direction[partner] == DIRECTION_OUT) {
      now = driven[partner];
    } else {
      now = 0;
    }
    if (now != level[line]) {
      level[line] = now;
      if (IrqType.fires(irqType[line], now == 1)) {
        mark(line, now == 1);
      }
    }
  }

  private void mark(int line, boolean rising) {
    if (rising) {
      rose[line] = true;
    } else {
      fell[line] = true;
    }
    try {
      edges.signal();
    } catch (NativeException e) {
      LOG.error("simulated gpio: cannot signal an edge: {}", e.getMessage());
    }
  }

  @Override
  public int edgeFd() {
    return edges.fd();
  }

  @Override
  public void drainEdges(EdgeSink sink) throws NativeException {
    edges.read();
    boolean[] up;
    boolean[] down;
    synchronized (this) {
      up = rose.clone();
      down = fell.clone();
      Arrays.fill(rose, false);
      Arrays.fill(fell, false);
    }
    for (int i = 0; i < lines; i++) {
      if (up[i]) {
        sink.edge(i, true);
      }
      if (down[i]) {
        sink.edge(i, false);
      }
    }
  }

  @Override
  public synchronized void releaseAll() {
    Arrays.fill(direction, DIRECTION_NONE);
    Arrays.fill(driven, 0);
    Arrays.fill(irqType, IrqType.NONE);
    Arrays.fill(level, 0);
    Arrays.fill(rose, false);
    Arrays.fill(fell, false);
  }

  @Override
  public void close() {
    edges.close();
  }
}
