// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * The device's own thread for host-side sensor events: one epoll over every sensor's update
 * descriptor (fake sensor timers, IIO character devices) and a stop eventfd. It only waits; the
 * work of turning an update into a notification is the sink's (under the device lock).
 */
final class SensorEventLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SensorEventLoop.class);
  private static final long STOP_TOKEN = 0;

  /** Receives "sensor {@code index} has an update" on the loop thread. */
  interface Sink {
    void updateReady(int index);
  }

  private final Epoll epoll;
  private final EventFd stop;
  private final int[] fds;
  private final Sink sink;
  private final Thread thread;
  /** Returns from epoll_wait: lets tests see that a dead source does not make the loop spin. */
  private volatile long wakeups;

  private SensorEventLoop(Epoll epoll, EventFd stop, int[] fds, Sink sink, String name) {
    this.epoll = epoll;
    this.stop = stop;
    this.fds = fds;
    this.sink = sink;
    this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
  }

  /**
   * Starts watching {@code fds[i]} (sensor i; -1 = none). Returns null if no sensor has a
   * descriptor, so sessions without event sources run no thread.
   */
  static SensorEventLoop start(int[] fds, Sink sink, String name) throws NativeException {
    boolean any = false;
    for (int fd : fds) {
      any |= fd >= 0;
    }
    if (!any) {
      return null;
    }
    Epoll epoll = Epoll.create(Math.max(4, fds.length + 1));
    EventFd stop = null;
    try {
      stop = EventFd.create();
      epoll.add(stop.fd(), Epoll.EPOLLIN, STOP_TOKEN);
      for (int i = 0; i < fds.length; i++) {
        if (fds[i] >= 0) {
          epoll.add(fds[i], Epoll.EPOLLIN, i + 1L);
        }
      }
    } catch (NativeException | RuntimeException e) {
      if (stop != null) {
        stop.close();
      }
      epoll.close();
      throw e;
    }
    SensorEventLoop loop = new SensorEventLoop(epoll, stop, fds.clone(), sink, name);
    loop.thread.start();
    return loop;
  }

  private void run() {
    try {
      while (true) {
        int n = epoll.await(-1);
        wakeups++;
        for (int i = 0; i < n; i++) {
          long token = epoll.token(i);
          if (token == STOP_TOKEN) {
            return;
          }
          dispatch((int) (token - 1), epoll.events(i));
        }
      }
    } catch (NativeException e) {
      LOG.error("sensor event loop stopped: {}", e.getMessage());
    }
  }

  private void dispatch(int index, int events) throws NativeException {
    if ((events & Epoll.EPOLLIN) == 0) {
      // Error or hang-up without data (e.g. the device went away): stop watching it rather
      // than spin on a level-triggered condition that will not clear.
      LOG.warn("sensor {}: update source reports error/hang-up (events 0x{}), no longer watched",
          index, Integer.toHexString(events));
      epoll.remove(fds[index]);
      return;
    }
    try {
      sink.updateReady(index);
    } catch (RuntimeException e) {
      LOG.warn("sensor {}: update failed: {}", index, e.toString());
    }
  }

  long wakeups() {
    return wakeups;
  }

  /** Stops the thread and waits for it; the sensors' descriptors stay with their owners. */
  @Override
  public void close() {
    try {
      stop.signal();
      thread.join();
    } catch (NativeException e) {
      LOG.warn("cannot stop the sensor event loop: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (!thread.isAlive()) {
        epoll.close();
        stop.close();
      }
    }
  }
}
