// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * A fake chip with programmable failures (the Rust tests' MockGpioDevice): state in memory,
 * every call recorded, and edges the test fires by hand.
 */
final class ProgrammableChip implements GpioChip {
  final int lines;
  final int[] direction;
  final int[] value;
  final int[] irq;
  IOException directionFailure;
  IOException setDirectionFailure;
  IOException valueFailure;
  IOException setValueFailure;
  IOException irqFailure;
  volatile IOException drainFailure;
  final List<String> calls = new ArrayList<>();
  private final EventFd edges;
  private final List<int[]> pending = new ArrayList<>();
  int releases;
  /** Edge batches fully handed to the device's sink. */
  final java.util.concurrent.atomic.AtomicInteger drained =
      new java.util.concurrent.atomic.AtomicInteger();

  ProgrammableChip(int lines) throws NativeException {
    this.lines = lines;
    direction = new int[lines];
    value = new int[lines];
    irq = new int[lines];
    edges = EventFd.create();
  }

  @Override
  public int numLines() {
    return lines;
  }

  @Override
  public String lineName(int line) {
    return line % 2 == 0 ? "gpio" + line : "";
  }

  @Override
  public synchronized int direction(int line) throws IOException {
    if (directionFailure != null) {
      throw directionFailure;
    }
    return direction[line];
  }

  @Override
  public synchronized void setDirection(int line, int dir, int v) throws IOException {
    if (setDirectionFailure != null) {
      throw setDirectionFailure;
    }
    calls.add("dir " + line + " " + dir + " " + v);
    direction[line] = dir;
    if (dir == DIRECTION_OUT) {
      value[line] = v;
    }
  }

  @Override
  public synchronized int value(int line) throws IOException {
    if (valueFailure != null) {
      throw valueFailure;
    }
    return value[line];
  }

  @Override
  public synchronized void setValue(int line, int v) throws IOException {
    if (setValueFailure != null) {
      throw setValueFailure;
    }
    calls.add("value " + line + " " + v);
    value[line] = v;
  }

  @Override
  public synchronized void setIrqType(int line, int type) throws IOException {
    if (irqFailure != null) {
      throw irqFailure;
    }
    calls.add("irq " + line + " " + type);
    irq[line] = type;
  }

  /** An edge on {@code line}, reported to the device through the edge fd. */
  void fire(int line, boolean rising) throws NativeException {
    synchronized (this) {
      pending.add(new int[] {line, rising ? 1 : 0});
    }
    edges.signal();
  }

  @Override
  public int edgeFd() {
    return edges.fd();
  }

  @Override
  public void drainEdges(EdgeSink sink) throws IOException {
    edges.read();
    if (drainFailure != null) {
      throw drainFailure;
    }
    List<int[]> now;
    synchronized (this) {
      now = new ArrayList<>(pending);
      pending.clear();
    }
    for (int[] e : now) {
      sink.edge(e[0], e[1] == 1);
    }
    if (!now.isEmpty()) {
      drained.incrementAndGet();
    }
  }

  @Override
  public synchronized void releaseAll() {
    releases++;
    java.util.Arrays.fill(direction, DIRECTION_NONE);
    java.util.Arrays.fill(irq, 0);
  }

  @Override
  public void close() {
    edges.close();
  }
}
