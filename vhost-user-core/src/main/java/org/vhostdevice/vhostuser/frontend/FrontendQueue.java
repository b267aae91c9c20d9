// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * One virtqueue driven from the frontend side, end to end: a {@link DriverQueue} laid out in
 * {@link GuestRam}, the kick eventfd the backend waits on and the call eventfd it signals.
 * {@link Frontend#start} hands both to the backend. One thread drives a queue.
 */
public final class FrontendQueue implements AutoCloseable {
  private final int index;
  private final DriverQueue driver;
  private final EventFd kick;
  private final EventFd call;
  private final Epoll callWait;
  /** Where the backend resumes at the next start: 0 for a new ring, then GET_VRING_BASE's. */
  private int base;

  /** Queue {@code index} of {@code size} entries, its rings allocated from {@code ram}. */
  public FrontendQueue(int index, GuestRam ram, int size) throws NativeException {
    this.index = index;
    // 4 KiB alignment: where QEMU's legacy layout puts rings, and it keeps rings apart in tests.
    this.driver = DriverQueue.layout(ram.memory(), size,
        ram.alloc(DriverQueue.footprint(size), 4096));
    EventFd k = EventFd.create();
    EventFd c = null;
    Epoll e = null;
    try {
      c = EventFd.create();
      e = Epoll.create(1);
      e.add(c.fd(), Epoll.EPOLLIN, index);
    } catch (NativeException | RuntimeException ex) {
      k.close();
      if (c != null) {
        c.close();
      }
      if (e != null) {
        e.close();
      }
      throw ex;
    }
    this.kick = k;
    this.call = c;
    this.callWait = e;
  }

  public int index() {
    return index;
  }

  public DriverQueue driver() {
    return driver;
  }

  public EventFd kickFd() {
    return kick;
  }

  public EventFd callFd() {
    return call;
  }

  /** The available index the backend resumes from at the next {@link Frontend#start}. */
  public int base() {
    return base;
  }

  /** Sets the resume point; {@link Frontend#stop} does this with GET_VRING_BASE's answer. */
  public void setBase(int base) {
    this.base = base;
  }

  /** What {@link Frontend#qemuStart} needs to set this queue up. */
  public VirtqueueSetup setup() {
    return VirtqueueSetup.of(index, driver, base, kick, call);
  }

  /**
   * Kicks the backend if the ring asks for it, as a guest driver does (EVENT_IDX window or the
   * NO_NOTIFY flag); returns whether it did. {@code kickFd().signal()} kicks unconditionally.
   */
  public boolean kick() throws NativeException {
    if (driver.kickNeeded()) {
      kick.signal();
      return true;
    }
    return false;
  }

  /** Waits up to {@code timeoutMillis} for a call and drains it; false on timeout. */
  public boolean awaitCall(long timeoutMillis) throws NativeException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (true) {
      long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
      // A signal interrupting epoll_wait also returns 0: only the deadline means timeout.
      if (callWait.await((int) Math.min(left, Integer.MAX_VALUE)) > 0) {
        call.read();
        return true;
      }
      if (left == 0) {
        return false;
      }
    }
  }

  /**
   * The next used element, waiting for calls in between polls; null after {@code timeoutMillis}.
   * Notifications are re-enabled before each wait, and the ring re-checked, so a completion that
   * lands in between is not slept through.
   */
  public UsedElement awaitUsed(long timeoutMillis) throws NativeException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (true) {
      UsedElement e = driver.pollUsed();
      if (e != null) {
        return e;
      }
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return null;
      }
      if (!driver.enableCallbacks()) {
        awaitCall(left);
      }
    }
  }

  @Override
  public void close() {
    callWait.close();
    kick.close();
    call.close();
  }
}
