// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import java.util.concurrent.locks.ReentrantLock;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.TimerFd;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * One vring of a session: the split queue, its kick/call/err eventfds and the two lifecycle flags
 * of the vhost-user spec ("started" once a kick fd is installed, "enabled" by SET_VRING_ENABLE).
 *
 * <p>{@link #lock} is held by the worker while it processes the ring and by the control thread
 * while it changes the ring. Taking it is therefore how GET_VRING_BASE waits for a batch in
 * progress to finish before it replies: after the reply nothing touches the ring.
 */
final class Vring {
  final int index;
  final SplitQueue queue;
  final VirtQueue view;
  final ReentrantLock lock = new ReentrantLock();
  final VringWorker worker;

  // Guarded by lock.
  EventFd kick;
  EventFd call;
  EventFd err;
  /** Created on a device's first retry request; fires into the worker's epoll. */
  TimerFd retryTimer;
  boolean started;
  boolean enabled;
  /** Set when the guest corrupted the ring itself; cleared when the frontend reprograms it. */
  boolean broken;
  /** True while {@link #kick} is in the worker's epoll set. */
  private int watchedFd = -1;
  /** Device failures on this ring, for rate-limited logging (worker thread only). */
  long deviceErrors;
  /** True between queueStarted and queueStopped notifications to the device. */
  boolean active;
  /**
   * Signalled by device threads through {@link VirtQueue#wake()}; always in the worker's epoll.
   * Guarded by {@link #wakeGuard}, not {@link #lock}: a device thread may wake the ring while the
   * worker holds the lock, and must never signal a closed (possibly reused) fd number.
   */
  private EventFd wake;
  private final Object wakeGuard = new Object();

  Vring(int index, int maxSize, VringWorker worker) throws NativeException {
    this.index = index;
    this.queue = new SplitQueue(maxSize);
    this.view = new VirtQueue(index, queue);
    this.worker = worker;
    EventFd w = EventFd.create();
    try {
      worker.watchWake(w.fd(), index);
    } catch (NativeException | RuntimeException e) {
      w.close();
      throw e;
    }
    this.wake = w;
    view.bindWaker(this::signalWake);
  }

  /** From any thread: have the worker run the device on this ring soon. */
  private void signalWake() {
    synchronized (wakeGuard) {
      if (wake == null) {
        return;
      }
      try {
        wake.signal();
      } catch (NativeException e) {
        throw new IllegalStateException("cannot wake queue " + index + ": " + e.getMessage(), e);
      }
    }
  }

  /** Worker side: consumes pending wake-ups. */
  void drainWake() throws NativeException {
    synchronized (wakeGuard) {
      if (wake != null) {
        wake.read();
      }
    }
  }

  /** Closes the wake eventfd (session end, after the worker stopped); later wakes are no-ops. */
  void closeWake() {
    synchronized (wakeGuard) {
      if (wake != null) {
        wake.close();
        wake = null;
      }
    }
  }

  /** Whether the worker should process this ring (caller holds the lock). */
  boolean shouldRun() {
    return started && enabled && !broken && kick != null;
  }

  /**
   * Makes the worker's epoll registration match {@link #shouldRun()}. Kick eventfds are
   * level-triggered and not drained while unwatched, so a kick that arrived while the ring was
   * disabled fires as soon as the ring is enabled: no lost kick. Caller holds the lock.
   */
  void updateRegistration() throws NativeException {
    int wanted = shouldRun() ? kick.fd() : -1;
    if (wanted == watchedFd) {
      return;
    }
    if (watchedFd >= 0) {
      worker.unwatch(watchedFd);
      watchedFd = -1;
    }
    if (wanted >= 0) {
      worker.watch(wanted, index);
      watchedFd = wanted;
    }
  }

  /** Replaces the kick eventfd; the old one is unwatched before it is closed. Caller holds lock. */
  void replaceKick(EventFd next) throws NativeException {
    EventFd old = kick;
    kick = next;
    try {
      if (watchedFd >= 0) {
        int fd = watchedFd;
        watchedFd = -1;
        worker.unwatch(fd);
      }
    } finally {
      if (old != null) {
        old.close();
      }
    }
  }

  void replaceCall(EventFd next) {
    if (call != null) {
      call.close();
    }
    call = next;
    if (next != null && started) {
      // QEMU swaps call fds while a ring runs (the guest masking or unmasking an MSI-X vector)
      // and checks the old one for a pending interrupt when it sends the new one, before we
      // have read that message: a completion signalled on the old fd in between would be lost
      // and the driver would wait for it forever. A spurious interrupt costs the guest one look
      // at the used ring; a lost one hangs it.
      try {
        next.signal();
      } catch (NativeException e) {
        // the fd is unusable; the worker's next signal fails the same way and stops the ring
      }
    }
  }

  void replaceErr(EventFd next) {
    if (err != null) {
      err.close();
    }
    err = next;
  }

  /** Arms the retry timer, creating it and adding it to the worker on first use. Lock held. */
  void armRetry(long nanos) throws NativeException {
    if (retryTimer == null) {
      TimerFd t = TimerFd.create();
      try {
        worker.watchTimer(t.fd(), index);
      } catch (NativeException | RuntimeException e) {
        t.close();
        throw e;
      }
      retryTimer = t;
    }
    retryTimer.arm(nanos);
  }

  /** Closes the retry timer (session end, after the worker stopped). */
  void closeTimer() {
    if (retryTimer != null) {
      retryTimer.close();
      retryTimer = null;
    }
  }

  /** Drops every fd of the ring (GET_VRING_BASE, session end). Caller holds the lock. */
  void closeFds() {
    replaceCall(null);
    replaceErr(null);
    try {
      replaceKick(null);
    } catch (NativeException e) {
      // Unwatching failed, yet the kick fd is closed and the epoll set forgets it with that.
    }
  }
}
