// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/** One virtqueue driven from the frontend side: rings in guest RAM plus kick and call eventfds. */
public final class FrontendQueue implements AutoCloseable {
  private final int index;
  private final DriverQueue driver;
  private final EventFd kick;
  private final EventFd call;
  private final Epoll callWait;

  public FrontendQueue(int index, GuestRam ram, int size) throws NativeException {
    this.index = index;
    this.driver = DriverQueue.layout(ram.memory(), size, ram.alloc(DriverQueue.footprint(size), 4096));
    this.kick = EventFd.create();
    this.call = EventFd.create();
    this.callWait = Epoll.create(1);
    callWait.add(call.fd(), Epoll.EPOLLIN, index);
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

  /** Kicks the backend if the ring says it wants one (EVENT_IDX or NO_NOTIFY); true if kicked. */
  public boolean kick() throws NativeException {
    if (driver.kickNeeded()) {
      kick.signal();
      return true;
    }
    return false;
  }

  /** Waits up to {@code millis} for a call; drains it. */
  public boolean awaitCall(long millis) throws NativeException {
    boolean got = callWait.await((int) Math.min(millis, Integer.MAX_VALUE)) > 0;
    call.read();
    return got;
  }

  /** The next used element, waiting for calls in between; null after {@code millis}. */
  public UsedElement awaitUsed(long millis) throws NativeException {
    long deadline = System.nanoTime() + millis * 1_000_000;
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
