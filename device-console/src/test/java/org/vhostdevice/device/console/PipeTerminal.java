// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;

/** An in-memory terminal: keyboard input through a pipe the test writes, output recorded. */
final class PipeTerminal implements Terminal, AutoCloseable {
  final int readFd;
  final int writeFd;
  final ByteArrayOutputStream output = new ByteArrayOutputStream();
  volatile boolean raw;
  volatile int restores;

  PipeTerminal() throws NativeException {
    int[] p = TerminalNative.pipe();
    readFd = p[0];
    writeFd = p[1];
  }

  void type(byte... keys) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(keys.length);
      s.copyFrom(MemorySegment.ofArray(keys));
      Fds.write(writeFd, s, keys.length);
    }
  }

  @Override
  public int inputFd() {
    return readFd;
  }

  @Override
  public void enterRaw() {
    raw = true;
  }

  @Override
  public synchronized void restore() {
    if (raw) {
      raw = false;
      restores++;
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    output.write(b, off, len);
  }

  @Override
  public void close() {
    Fds.closeQuietly(writeFd);
    Fds.closeQuietly(readFd);
  }
}
