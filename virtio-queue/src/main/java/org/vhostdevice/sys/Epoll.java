// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * An epoll instance, level-triggered. Level triggering is what makes a kick that arrived while a
 * ring was disabled visible the moment the ring's fd is registered again.
 */
public final class Epoll implements AutoCloseable {
  public static final int EPOLLIN = 0x001;
  public static final int EPOLLERR = 0x008;
  public static final int EPOLLHUP = 0x010;

  private static final int EPOLL_CLOEXEC = 0x80000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLL_CTL_MOD = 3;

  /** struct epoll_event is packed on x86_64: u32 events, u64 data at offset 4. */
  static final StructLayout EVENT =
      MemoryLayout.structLayout(JAVA_INT.withName("events"), JAVA_LONG_UNALIGNED.withName("data"));

  private static final long EVENT_SIZE = EVENT.byteSize();

  private static final MethodHandle CREATE =
      Native.errnoCall("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle CTL =
      Native.errnoCall(
          "epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle WAIT =
      Native.errnoCall(
          "epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));

  private final OwnedFd fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment ctlEvent;
  private final MemorySegment events;
  private final int capacity;

  private Epoll(OwnedFd fd, int capacity) {
    this.fd = fd;
    this.capacity = capacity;
    this.ctlEvent = arena.allocate(EVENT);
    this.events = arena.allocate(EVENT_SIZE * capacity, 8);
  }

  /** A new epoll instance that reports at most {@code capacity} events per wait. */
  public static Epoll create(int capacity) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) CREATE.invokeExact(capture, EPOLL_CLOEXEC);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      throw new NativeException("epoll_create1", Native.errno(capture));
    }
    return new Epoll(new OwnedFd(rc), capacity);
  }

  public int fd() {
    return fd.fd();
  }

  /** Watches {@code target} for {@code events}; {@code token} comes back with each event. */
  public synchronized void add(int target, int eventMask, long token) throws NativeException {
    ctl(EPOLL_CTL_ADD, "epoll_ctl(ADD)", target, eventMask, token);
  }

  public synchronized void modify(int target, int eventMask, long token) throws NativeException {
    ctl(EPOLL_CTL_MOD, "epoll_ctl(MOD)", target, eventMask, token);
  }

  /** Stops watching {@code target}; a descriptor that is not watched (ENOENT) is not an error. */
  public synchronized void remove(int target) throws NativeException {
    try {
      ctl(EPOLL_CTL_DEL, "epoll_ctl(DEL)", target, 0, 0);
    } catch (NativeException e) {
      if (e.errno() != Errno.ENOENT && e.errno() != Errno.EBADF) {
        throw e;
      }
    }
  }

  private void ctl(int op, String name, int target, int eventMask, long token)
      throws NativeException {
    ctlEvent.set(JAVA_INT, 0, eventMask);
    ctlEvent.set(JAVA_LONG_UNALIGNED, 4, token);
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) CTL.invokeExact(capture, fd.fd(), op, target, ctlEvent);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      throw new NativeException(name, Native.errno(capture));
    }
  }

  /**
   * Waits for events (timeout in ms, -1 = forever). Returns the number of ready events, 0 on
   * timeout or when a signal interrupted the wait. Only one thread may wait on an instance.
   */
  public int await(int timeoutMillis) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) WAIT.invokeExact(capture, fd.fd(), events, capacity, timeoutMillis);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      int errno = Native.errno(capture);
      if (errno == Errno.EINTR) {
        return 0;
      }
      throw new NativeException("epoll_wait", errno);
    }
    return rc;
  }

  /** The event mask of the i-th ready event of the last {@link #await}. */
  public int events(int i) {
    return events.get(JAVA_INT, i * EVENT_SIZE);
  }

  /** The token of the i-th ready event of the last {@link #await}. */
  public long token(int i) {
    return events.get(JAVA_LONG_UNALIGNED, i * EVENT_SIZE + 4);
  }

  @Override
  public void close() {
    fd.close();
    arena.close();
  }
}
