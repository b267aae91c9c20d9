// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Fds;

/**
 * The daemon's stdin (fd 0) and stdout (fd 1). Raw mode is set only when stdin is a terminal;
 * the saved settings are put back by {@link #restore}, which the backend, the daemon's finally
 * block and a shutdown hook all call, so every way out leaves the terminal usable.
 */
final class HostTerminal implements Terminal {
  private static final Logger LOG = LoggerFactory.getLogger(HostTerminal.class);
  static final int STDIN = 0;
  static final int STDOUT = 1;

  private byte[] saved;
  private final MemorySegment out = Arena.ofAuto().allocate(4096);

  @Override
  public int inputFd() {
    return STDIN;
  }

  @Override
  public synchronized void enterRaw() throws IOException {
    if (!TerminalNative.isatty(STDIN)) {
      LOG.warn("console: stdin is not a terminal; input is passed on as it comes");
      return;
    }
    byte[] current = TerminalNative.getAttributes(STDIN);
    TerminalNative.setAttributes(STDIN, TerminalNative.makeRaw(current));
    saved = current;
  }

  @Override
  public synchronized void restore() {
    if (saved == null) {
      return;
    }
    try {
      TerminalNative.setAttributes(STDIN, saved);
      saved = null;
    } catch (IOException e) {
      LOG.error("console: could not restore the terminal: {}", e.getMessage());
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = (int) Math.min(len, out.byteSize());
      MemorySegment.copy(MemorySegment.ofArray(b), off, out, 0, n);
      long done = 0;
      while (done < n) {
        long w = Fds.write(STDOUT, out.asSlice(done), n - done);
        if (w < 0) {
          throw new IOException("stdout is non-blocking and full");
        }
        done += w;
      }
      off += n;
      len -= n;
    }
  }
}
