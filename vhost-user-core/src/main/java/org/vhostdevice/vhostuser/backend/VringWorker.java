// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.memory.GuestMemoryHandle;
import org.vhostdevice.queue.InvalidRingException;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * A platform thread blocked in epoll_wait on the kick eventfds of its vrings and on an exit
 * eventfd. On a kick it processes the ring under the ring's lock: disable notifications, let the
 * device drain the ring, re-enable and re-check (so a buffer made available in between is not
 * missed), then publish the used ring and decide on one notification for the whole batch.
 */
final class VringWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VringWorker.class);
  private static final long EXIT_TOKEN = Long.MAX_VALUE;
  /** Tokens of retry timers: this bit plus the queue index (kicks are the bare index). */
  private static final long TIMER_TOKEN = 1L << 32;
  /** Tokens of device wake-ups ({@code VirtQueue.wake()}): this bit plus the queue index. */
  private static final long WAKE_TOKEN = 1L << 33;
  private static final long INDEX_MASK = 0xffff_ffffL;

  private final VirtioDevice device;
  private final GuestMemoryHandle memory;
  private final Epoll epoll;
  private final EventFd exit;
  private final Vring[] vrings;
  private final Thread thread;
  private boolean closed;

  VringWorker(String name, VirtioDevice device, GuestMemoryHandle memory, int numQueues)
      throws NativeException {
    this.device = device;
    this.memory = memory;
    this.vrings = new Vring[numQueues];
    Epoll e = Epoll.create(16);
    EventFd x = null;
    try {
      x = EventFd.create();
      e.add(x.fd(), Epoll.EPOLLIN, EXIT_TOKEN);
    } catch (NativeException | RuntimeException ex) {
      e.close();
      if (x != null) {
        x.close();
      }
      throw ex;
    }
    this.epoll = e;
    this.exit = x;
    this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
  }

  void attach(Vring vring) {
    vrings[vring.index] = vring;
  }

  void start() {
    thread.start();
  }

  synchronized void watch(int kickFd, int queue) throws NativeException {
    if (!closed) {
      epoll.add(kickFd, Epoll.EPOLLIN, queue);
    }
  }

  synchronized void watchTimer(int timerFd, int queue) throws NativeException {
    if (!closed) {
      epoll.add(timerFd, Epoll.EPOLLIN, TIMER_TOKEN | queue);
    }
  }

  synchronized void watchWake(int wakeFd, int queue) throws NativeException {
    if (!closed) {
      epoll.add(wakeFd, Epoll.EPOLLIN, WAKE_TOKEN | queue);
    }
  }

  /** Stops watching {@code kickFd}; a no-op once the worker is closed (its epoll is gone). */
  synchronized void unwatch(int kickFd) throws NativeException {
    if (!closed) {
      epoll.remove(kickFd);
    }
  }

  private void run() {
    try {
      while (true) {
        int n = epoll.await(-1);
        for (int i = 0; i < n; i++) {
          long token = epoll.token(i);
          if (token == EXIT_TOKEN) {
            return;
          }
          Vring vring = vrings[(int) (token & INDEX_MASK)];
          if (vring != null) {
            try {
              onEvent(vring, token & ~INDEX_MASK);
            } catch (NativeException e) {
              // One ring's fd failing (a timer that cannot be created, say) stops that ring,
              // not the worker's other rings.
              stopRing(vring, e);
            }
          }
        }
      }
    } catch (NativeException e) {
      LOG.error("{}: worker stopped: {}", device.name(), e.getMessage());
    }
  }

  /** A kick ({@code kind} 0), a retry timer or a device wake-up for {@code vring}. */
  private void onEvent(Vring vring, long kind) throws NativeException {
    vring.lock.lock();
    try {
      if (kind == TIMER_TOKEN) {
        vring.retryTimer.read();
      } else if (kind == WAKE_TOKEN) {
        vring.drainWake();
      }
      // The event may predate a stop or fd swap done by the control thread: re-check under lock.
      if (!vring.shouldRun()) {
        return;
      }
      if (kind == 0) {
        vring.kick.read();
      }
      process(vring);
    } finally {
      vring.lock.unlock();
    }
  }

  private void stopRing(Vring vring, Exception why) {
    vring.lock.lock();
    try {
      vring.broken = true;
      vring.updateRegistration();
    } catch (NativeException e) {
      // unwatching failed too; the ring is marked broken and will not be processed
    } finally {
      vring.lock.unlock();
    }
    LOG.error("{}: queue {} stopped: {}", device.name(), vring.index, why.getMessage());
  }

  /** Processes one ring until it is empty. Caller holds the ring's lock. */
  void process(Vring vring) throws NativeException {
    GuestMemory mem = memory.acquire();
    SplitQueue queue = vring.queue;
    try {
      vring.view.beginBatch(mem);
      while (true) {
        queue.disableNotification(mem);
        int before = queue.nextAvail();
        try {
          device.handleQueue(vring.index, vring.view);
        } catch (InvalidRingException | GuestMemoryException e) {
          throw e;
        } catch (Exception | AssertionError | LinkageError e) {
          // A device bug, not a guest's doing. Errors too: FFM reports misuse as AssertionError,
          // and a class that fails to load or initialise is a LinkageError; either would
          // otherwise end this thread and every ring it serves. VirtualMachineErrors (out of
          // memory, stack overflow, a memory fault) are not the device's to survive here.
          // Logged once and then every thousandth time: a guest must not flood the log.
          if (vring.deviceErrors++ % 1000 == 0) {
            LOG.warn("{}: queue {}: request handling failed ({} so far): {}", device.name(),
                vring.index, vring.deviceErrors, e.toString());
          }
          // The request the device was working on goes back to the guest, empty.
          vring.view.returnOutstanding();
        }
        // Re-enable, and go round again only if buffers arrived meanwhile and the device is
        // taking them; a device that leaves requests pending waits for the next kick instead
        // of spinning here.
        if (!queue.enableNotification(mem) || queue.nextAvail() == before) {
          break;
        }
      }
      if (queue.publishUsed(mem) && vring.call != null) {
        vring.call.signal();
      }
      long retry = vring.view.takeRetry();
      if (retry >= 0) {
        vring.armRetry(retry);
      }
    } catch (InvalidRingException | GuestMemoryException | RuntimeException e) {
      // RuntimeException: nothing the guest can do should reach here, but if it does the ring
      // stops and the worker lives on for the other rings.
      vring.broken = true;
      vring.updateRegistration();
      LOG.error("{}: queue {} stopped, the ring is unusable: {}", device.name(), vring.index,
          e.getMessage());
    } catch (InternalError e) {
      if (!MemoryFault.is(e)) {
        throw e;
      }
      // Without this the worker thread would die and take its other rings with it.
      vring.broken = true;
      vring.updateRegistration();
      LOG.error("{}: queue {} stopped: {}", device.name(), vring.index, MemoryFault.describe(e));
    } finally {
      vring.view.endBatch();
      mem.release();
    }
  }

  /** Stops the thread and waits for it; the rings' own fds are closed by the session. */
  @Override
  public void close() {
    try {
      exit.signal();
    } catch (NativeException e) {
      LOG.error("{}: cannot signal worker exit: {}", device.name(), e.getMessage());
    }
    if (thread.isAlive() && thread != Thread.currentThread()) {
      boolean interrupted = false;
      while (true) {
        try {
          thread.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      closed = true;
      epoll.close();
    }
    exit.close();
  }
}
