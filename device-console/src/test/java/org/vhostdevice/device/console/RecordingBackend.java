// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.ByteArrayOutputStream;

/** An in-memory host end: records guest output, and refuses output while told to. */
final class RecordingBackend implements ConsoleBackend {
  final ByteArrayOutputStream written = new ByteArrayOutputStream();
  boolean full;
  int drained;
  boolean closed;

  @Override
  public void start(ConsolePort port) {}

  @Override
  public boolean canAccept(int len) {
    return !full;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    written.write(b, off, len);
  }

  @Override
  public void inputDrained() {
    drained++;
  }

  @Override
  public void close() {
    closed = true;
  }
}
