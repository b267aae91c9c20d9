// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * The receive side of one connection: a thread blocked in epoll on the CAN endpoint and a stop
 * eventfd (never polling), moving frames into the bounded {@link CanRxFifo} and waking the RX
 * queue. Frames arriving while the controller is stopped are dropped, as the device must not
 * deliver them; a bus-off error frame or a socket error (interface gone down) puts the
 * controller off the bus. A full FIFO, and a failed socket, pause reading until {@link #resume}.
 */
final class CanRxLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CanRxLoop.class);
  private static final long TOKEN_BUS = 1;
  private static final long TOKEN_STOP = 2;

  private final CanBus bus;
  private final CanRxFifo fifo;
  private final CanController controller;
  private final Runnable wake;
  private final Epoll epoll;
  private final EventFd stop;
  private final CanFrame scratch = new CanFrame();
  private final Thread thread;
  /** Reading is paused (guarded by fifo's monitor). */
  private boolean paused;
  private long dropped;
  private long errors;

  CanRxLoop(CanBus bus, CanRxFifo fifo, CanController controller, Runnable wake)
      throws NativeException {
    this.bus = bus;
    this.fifo = fifo;
    this.controller = controller;
    this.wake = wake;
    Epoll e = Epoll.create(4);
    EventFd s = null;
    try {
      s = EventFd.create();
      e.add(bus.pollFd(), Epoll.EPOLLIN, TOKEN_BUS);
      e.add(s.fd(), Epoll.EPOLLIN, TOKEN_STOP);
    } catch (NativeException | RuntimeException ex) {
      e.close();
      if (s != null) {
        s.close();
      }
      throw ex;
    }
    this.epoll = e;
    this.stop = s;
    this.thread = Thread.ofPlatform().daemon().name("vhost-can-rx-" + bus.name())
        .unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  private void run() {
    try {
      while (true) {
        int n = epoll.await(-1);
        for (int i = 0; i < n; i++) {
          if (epoll.token(i) == TOKEN_STOP) {
            return;
          }
        }
        if (n > 0) {
          drain();
        }
      }
    } catch (NativeException e) {
      LOG.error("can {}: receive loop ended: {}", bus.name(), e.getMessage());
    }
  }

  /** Reads every waiting frame the FIFO has room for. */
  private void drain() throws NativeException {
    boolean queued = false;
    while (true) {
      synchronized (fifo) {
        if (fifo.isFull()) {
          pause();
          break;
        }
      }
      boolean got;
      try {
        got = bus.receive(scratch);
      } catch (IOException e) {
        if (errors++ % 1000 == 0) {
          LOG.warn("can {}: receive failed, controller goes bus-off: {}", bus.name(),
              e.getMessage());
        }
        controller.busOff();
        fifo.clear();
        synchronized (fifo) {
          pause();
        }
        break;
      }
      if (!got) {
        break;
      }
      if ((scratch.canId & CanFrame.CAN_ERR_FLAG) != 0) {
        if ((scratch.canId & CanFrame.CAN_ERR_BUSOFF) != 0) {
          LOG.warn("can {}: bus-off reported by the interface", bus.name());
          controller.busOff();
          fifo.clear();
        }
        continue; // other error classes are not part of virtio-can
      }
      if (!controller.started()) {
        dropped++;
        continue;
      }
      queued |= fifo.offer(scratch);
    }
    if (queued) {
      wake.run();
    }
  }

  /**
   * Stops watching the socket. Removed rather than given an empty event mask: epoll reports
   * EPOLLERR/EPOLLHUP even then, and an error left unread while the FIFO is full would spin.
   */
  private void pause() throws NativeException {
    if (!paused) {
      paused = true;
      epoll.remove(bus.pollFd());
    }
  }

  /** From the worker after it took frames, or on START: read the socket again if paused. */
  void resume() {
    synchronized (fifo) {
      if (!paused || fifo.isFull()) {
        return;
      }
      try {
        epoll.add(bus.pollFd(), Epoll.EPOLLIN, TOKEN_BUS);
        paused = false;
      } catch (NativeException e) {
        LOG.error("can {}: cannot resume receiving: {}", bus.name(), e.getMessage());
      }
    }
  }

  /** Frames dropped because the controller was stopped. */
  long dropped() {
    return dropped;
  }

  /** Stops the thread and waits for it; then frees the epoll and eventfd (not the bus). */
  @Override
  public void close() {
    try {
      stop.signal();
      thread.join(5000);
    } catch (NativeException e) {
      LOG.error("can {}: cannot stop the receive loop: {}", bus.name(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      epoll.close();
      stop.close();
    }
  }
}
