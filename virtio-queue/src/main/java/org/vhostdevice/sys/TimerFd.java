// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A one-shot monotonic timerfd: lets a worker blocked in epoll_wait wake up later (a rate limit's
 * next window) without sleeping, so it still reacts at once to stop and exit requests.
 */
public final class TimerFd implements AutoCloseable {
  private static final int CLOCK_MONOTONIC = 1;
  private static final int TFD_NONBLOCK = 0x800;
  private static final int TFD_CLOEXEC = 0x80000;
  /** struct itimerspec: it_interval {sec, nsec}, it_value {sec, nsec}. */
  private static final long ITIMERSPEC_SIZE = 32;
  private static final long IT_VALUE_SEC = 16;
  private static final long IT_VALUE_NSEC = 24;

  private static final MethodHandle CREATE =
      Native.errnoCall("timerfd_create", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SETTIME =
      Native.errnoCall(
          "timerfd_settime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

  private final OwnedFd fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment spec = arena.allocate(ITIMERSPEC_SIZE, 8);

  private TimerFd(OwnedFd fd) {
    this.fd = fd;
  }

  public static TimerFd create() throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) CREATE.invokeExact(capture, CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      throw new NativeException("timerfd_create", Native.errno(capture));
    }
    return new TimerFd(new OwnedFd(rc));
  }

  public int fd() {
    return fd.fd();
  }

  /** Fires once after {@code nanos} (at least 1 ns; 0 would disarm). Re-arming replaces it. */
  public synchronized void arm(long nanos) throws NativeException {
    settime(Math.max(1, nanos));
  }

  public synchronized void disarm() throws NativeException {
    settime(0);
  }

  private void settime(long nanos) throws NativeException {
    spec.fill((byte) 0);
    spec.set(JAVA_LONG, IT_VALUE_SEC, nanos / 1_000_000_000L);
    spec.set(JAVA_LONG, IT_VALUE_NSEC, nanos % 1_000_000_000L);
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) SETTIME.invokeExact(capture, fd.fd(), 0, spec, MemorySegment.NULL);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      throw new NativeException("timerfd_settime", Native.errno(capture));
    }
  }

  /** Consumes expirations; 0 if it has not fired. */
  public long read() throws NativeException {
    MemorySegment buf = Native.scratch().u64;
    long n = Fds.read(fd.fd(), buf, 8);
    return n == 8 ? buf.get(JAVA_LONG, 0) : 0;
  }

  @Override
  public void close() {
    fd.close();
    arena.close();
  }
}
