// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * The one thread per device that waits for edges: epoll on the chip's edge descriptor and a stop
 * eventfd, never polling on a timer and never a thread per waiting interrupt. An edge the guest
 * armed is latched in {@link IrqWaits}; if a buffer waits for it, the event queue is woken and
 * the worker completes the buffer.
 */
final class EdgeLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeLoop.class);
  private static final long STOP = 0;
  private static final long EDGES = 1;

  private final GpioChip chip;
  private final GpioController controller;
  private final IrqWaits waits;
  private final Runnable wake;
  private final Runnable failed;
  private final Epoll epoll;
  private final EventFd stop;
  private final Thread thread;

  /**
   * @param wake wakes the event queue (an interrupt for a waiting buffer)
   * @param failed called once if the loop dies (a chip read error): waits can no longer end
   */
  EdgeLoop(String name, GpioController controller, IrqWaits waits, Runnable wake,
      Runnable failed) throws NativeException {
    this.chip = controller.chip();
    this.controller = controller;
    this.waits = waits;
    this.wake = wake;
    this.failed = failed;
    Epoll e = Epoll.create(4);
    EventFd s = null;
    try {
      s = EventFd.create();
      e.add(s.fd(), Epoll.EPOLLIN, STOP);
      e.add(chip.edgeFd(), Epoll.EPOLLIN, EDGES);
    } catch (NativeException | RuntimeException ex) {
      e.close();
      if (s != null) {
        s.close();
      }
      throw ex;
    }
    this.epoll = e;
    this.stop = s;
    this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  private void run() {
    try {
      while (true) {
        int n = epoll.await(-1);
        for (int i = 0; i < n; i++) {
          if (epoll.token(i) == STOP) {
            return;
          }
          boolean[] wanted = {false};
          chip.drainEdges((line, rising) -> {
            if (line < controller.lines()
                && IrqType.fires(controller.irqType(line), rising) && waits.latch(line)) {
              wanted[0] = true;
            }
          });
          if (wanted[0]) {
            wake.run();
          }
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.error("gpio: edge loop stopped, interrupts are answered INVALID: {}", e.getMessage());
      failed.run();
    }
  }

  /** Stops the thread and frees its descriptors. */
  @Override
  public void close() {
    try {
      stop.signal();
      thread.join(5000);
    } catch (NativeException e) {
      LOG.warn("gpio: cannot signal the edge loop: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    epoll.close();
    stop.close();
  }
}
