// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * The one thread per VM that waits on its host sockets. It does no I/O itself: every socket is
 * registered one-shot, so each readiness is reported once, handed to the device's worker as a
 * (token, events) pair, and the worker wakes the RX queue; the worker does the reads and writes
 * straight between guest memory and the socket, and re-arms the socket when it wants more.
 * Pending pairs are bounded by the number of registered sockets.
 */
final class HostEventLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostEventLoop.class);
  static final int EPOLLIN = Epoll.EPOLLIN;
  static final int EPOLLOUT = 0x004;
  static final int EPOLLERR = Epoll.EPOLLERR;
  static final int EPOLLHUP = Epoll.EPOLLHUP;
  static final int EPOLLONESHOT = 1 << 30;
  private static final long STOP_TOKEN = -1;

  private final Epoll epoll;
  private final EventFd stop;
  private final Thread thread;
  private long[] pending = new long[64];
  private int pendingPairs;
  private volatile Runnable waker = () -> {};
  private volatile boolean closed;

  HostEventLoop(String name) throws NativeException {
    epoll = Epoll.create(64);
    stop = EventFd.create();
    try {
      epoll.add(stop.fd(), EPOLLIN, STOP_TOKEN);
    } catch (NativeException e) {
      stop.close();
      epoll.close();
      throw e;
    }
    thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
    thread.start();
  }

  /** What to call when events arrive (the device wakes its RX queue). */
  void setWaker(Runnable wake) {
    waker = wake == null ? () -> {} : wake;
  }

  void add(int fd, int interest, long token) throws NativeException {
    epoll.add(fd, interest | EPOLLONESHOT, token);
  }

  void rearm(int fd, int interest, long token) throws NativeException {
    epoll.modify(fd, interest | EPOLLONESHOT, token);
  }

  void remove(int fd) {
    try {
      epoll.remove(fd);
    } catch (NativeException e) {
      LOG.debug("epoll remove of fd {}: {}", fd, e.getMessage());
    }
  }

  private void run() {
    while (!closed) {
      int n;
      try {
        n = epoll.await(-1);
      } catch (NativeException e) {
        LOG.error("host event loop: {}", e.getMessage());
        return;
      }
      boolean any = false;
      synchronized (this) {
        for (int i = 0; i < n; i++) {
          long token = epoll.token(i);
          if (token == STOP_TOKEN) {
            return;
          }
          push(token, epoll.events(i));
          any = true;
        }
      }
      if (any) {
        waker.run();
      }
    }
  }

  private void push(long token, int events) {
    if (pendingPairs * 2 == pending.length) {
      pending = java.util.Arrays.copyOf(pending, pending.length * 2);
    }
    pending[pendingPairs * 2] = token;
    pending[pendingPairs * 2 + 1] = events;
    pendingPairs++;
  }

  /**
   * Moves the pending (token, events) pairs into {@code into} (grown if needed) and returns it;
   * {@code count[0]} receives the number of pairs.
   */
  synchronized long[] drain(long[] into, int[] count) {
    long[] out = into.length >= pendingPairs * 2 ? into : new long[pending.length];
    System.arraycopy(pending, 0, out, 0, pendingPairs * 2);
    count[0] = pendingPairs;
    pendingPairs = 0;
    return out;
  }

  /** Drops every pending event (a new session starts; old tokens mean nothing to it). */
  synchronized void clear() {
    pendingPairs = 0;
  }

  synchronized boolean hasPending() {
    return pendingPairs > 0;
  }

  @Override
  public void close() {
    closed = true;
    try {
      stop.signal();
    } catch (NativeException e) {
      LOG.debug("host event loop stop: {}", e.getMessage());
    }
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stop.close();
    epoll.close();
  }
}
