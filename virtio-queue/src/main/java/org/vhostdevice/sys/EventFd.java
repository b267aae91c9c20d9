// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * An eventfd: the kick and call notifiers of a vring, and the exit signal of a worker. Writes and
 * reads move one 8-byte counter through a per-thread buffer, so signalling allocates nothing.
 */
public final class EventFd implements AutoCloseable {
  public static final int EFD_CLOEXEC = 0x80000;
  public static final int EFD_NONBLOCK = 0x800;
  /** What /proc/self/fd shows for an eventfd ({@link Fds#kind}). */
  public static final String KIND = "anon_inode:[eventfd]";
  /** The fdinfo key telling whether an eventfd has EFD_SEMAPHORE (only recent kernels show it). */
  static final String SEMAPHORE_INFO = "eventfd-semaphore";

  private static final MethodHandle EVENTFD =
      Native.errnoCall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

  private final OwnedFd fd;

  private EventFd(OwnedFd fd) {
    this.fd = fd;
  }

  /** A new non-blocking, close-on-exec eventfd with counter 0. */
  public static EventFd create() throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) EVENTFD.invokeExact(capture, 0, EFD_CLOEXEC | EFD_NONBLOCK);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      throw new NativeException("eventfd", Native.errno(capture));
    }
    return new EventFd(new OwnedFd(rc));
  }

  /** Takes ownership of an eventfd received from a peer. */
  public static EventFd adopt(OwnedFd fd) {
    return new EventFd(fd);
  }

  /** Whether {@code fd} is an eventfd at all (not a pipe, socket, memfd or other file). */
  public static boolean isEventFd(int fd) throws IOException {
    return KIND.equals(Fds.kind(fd));
  }

  /**
   * Whether eventfd {@code fd} is in semaphore mode, where a read takes 1 off the counter instead
   * of all of it. False when the kernel does not say (older kernels): then it cannot be told.
   */
  public static boolean isSemaphore(int fd) throws IOException {
    return "1".equals(Fds.info(fd, SEMAPHORE_INFO));
  }

  public int fd() {
    return fd.fd();
  }

  /** Adds {@code value} to the counter (wakes a reader). A full counter (EAGAIN) is already a wake-up. */
  public void write(long value) throws NativeException {
    MemorySegment buf = Native.scratch().u64;
    buf.set(JAVA_LONG, 0, value);
    long n = Fds.write(fd.fd(), buf, 8);
    if (n >= 0 && n != 8) {
      throw new NativeException("write(eventfd)", Errno.EINVAL);
    }
  }

  public void signal() throws NativeException {
    write(1);
  }

  /** Reads and resets the counter; 0 if nothing was pending (or the fd is blocking and was empty). */
  public long read() throws NativeException {
    MemorySegment buf = Native.scratch().u64;
    long n = Fds.read(fd.fd(), buf, 8);
    if (n < 0) {
      return 0;
    }
    if (n != 8) {
      throw new NativeException("read(eventfd)", Errno.EINVAL);
    }
    return buf.get(JAVA_LONG, 0);
  }

  @Override
  public void close() {
    fd.close();
  }

  @Override
  public String toString() {
    return "eventfd(" + fd.fd() + ")";
  }
}
