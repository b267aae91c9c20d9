// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;

/**
 * The nested backend: the terminal the daemon runs in is the guest's console. The terminal is
 * raw from {@link #start} to {@link #close} (or the escape sequence), so Ctrl-C reaches the
 * guest; Ctrl-A x ends the daemon, with the terminal restored first. One epoll thread reads the
 * keyboard; a full input ring stops reading until the guest has taken some.
 */
final class TerminalBackend implements ConsoleBackend {
  private static final Logger LOG = LoggerFactory.getLogger(TerminalBackend.class);
  private static final long TOKEN_INPUT = 1;
  private static final long TOKEN_CONTROL = 2;
  private static final int CHUNK = 1024;

  private final Terminal terminal;
  private final Runnable onQuit;
  private final EscapeFilter escape = new EscapeFilter();
  private final Epoll epoll;
  private final EventFd control;
  private final MemorySegment readSeg = Arena.ofAuto().allocate(CHUNK);
  private final byte[] raw = new byte[CHUNK];
  private final byte[] filtered = new byte[CHUNK + 1];
  private volatile boolean closed;
  private boolean released;
  private boolean reading;
  private boolean inputOpen = true;
  private ConsolePort port;
  private Thread thread;

  /** @param onQuit what the escape sequence does after restoring the terminal (exit the daemon) */
  TerminalBackend(Terminal terminal, Runnable onQuit) throws IOException {
    this.terminal = terminal;
    this.onQuit = onQuit;
    this.epoll = Epoll.create(4);
    try {
      this.control = EventFd.create();
      epoll.add(control.fd(), Epoll.EPOLLIN, TOKEN_CONTROL);
    } catch (IOException e) {
      epoll.close();
      throw e;
    }
  }

  @Override
  public void start(ConsolePort port) throws IOException {
    this.port = port;
    try {
      epoll.add(terminal.inputFd(), Epoll.EPOLLIN, TOKEN_INPUT);
    } catch (NativeException e) {
      throw new IOException("the terminal input cannot be polled (" + e.getMessage()
          + "); use a terminal or a pipe as stdin", e);
    }
    reading = true;
    terminal.enterRaw();
    thread = Thread.ofPlatform().name("console-terminal").daemon().start(this::loop);
  }

  @Override
  public boolean canAccept(int len) {
    return true; // the terminal write blocks instead, as a terminal does
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    terminal.write(b, off, len);
  }

  @Override
  public void inputDrained() {
    signal();
  }

  private void signal() {
    try {
      control.signal();
    } catch (NativeException e) {
      LOG.warn("console: waking the terminal thread failed: {}", e.getMessage());
    }
  }

  private void loop() {
    try {
      while (!closed) {
        int n = epoll.await(-1);
        for (int i = 0; i < n; i++) {
          if (epoll.token(i) == TOKEN_CONTROL) {
            control.read();
          } else {
            readInput();
          }
        }
        resumeIfRoom();
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.error("console: the terminal backend stopped: {}", e.toString());
      }
    }
  }

  private void resumeIfRoom() throws NativeException {
    if (closed || !inputOpen) {
      return;
    }
    boolean room = port.input().free() > 1;
    if (room != reading) {
      epoll.modify(terminal.inputFd(), room ? Epoll.EPOLLIN : 0, TOKEN_INPUT);
      reading = room;
    }
  }

  private void readInput() throws IOException {
    // One byte of headroom: a Ctrl-A held back by the escape filter may come out with this read.
    int want = Math.min(CHUNK, port.input().free() - 1);
    if (want <= 0) {
      return;
    }
    long n = Fds.read(terminal.inputFd(), readSeg, want);
    if (n < 0) {
      return;
    }
    if (n == 0) {
      LOG.info("console: end of terminal input");
      epoll.remove(terminal.inputFd());
      inputOpen = false;
      return;
    }
    MemorySegment.copy(readSeg, ValueLayout.JAVA_BYTE, 0, raw, 0, (int) n);
    int out = escape.filter(raw, (int) n, filtered);
    if (out > 0) {
      port.input().offer(filtered, 0, out);
      port.inputArrived();
    }
    if (escape.quitRequested()) {
      LOG.info("console: escape sequence typed, quitting");
      closed = true;
      terminal.restore();
      onQuit.run();
    }
  }

  @Override
  public synchronized void close() {
    if (released) {
      return;
    }
    released = true;
    closed = true;
    signal();
    if (thread != null && thread != Thread.currentThread()) {
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    terminal.restore();
    epoll.close();
    control.close();
  }
}
