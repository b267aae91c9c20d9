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
 * Socket facts and options junixsocket does not expose: is an inherited fd a listening socket, our
 * pid, and the kernel's per-call send and receive timeouts.
 */
public final class Sockets {
  private static final int SOL_SOCKET = 1;
  private static final int SO_TYPE = 3;
  private static final int SO_ACCEPTCONN = 30;
  private static final int SO_DOMAIN = 39;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_SNDTIMEO = 21;
  /** struct timeval on 64-bit Linux: tv_sec then tv_usec, both longs. */
  private static final long TIMEVAL_SEC_OFFSET = 0;
  private static final long TIMEVAL_USEC_OFFSET = 8;
  private static final int TIMEVAL_SIZE = 16;
  public static final int AF_UNIX = 1;
  public static final int SOCK_STREAM = 1;

  private static final MethodHandle GETSOCKOPT =
      Native.errnoCall(
          "getsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle SETSOCKOPT =
      Native.errnoCall(
          "setsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final MethodHandle SOCKETPAIR =
      Native.errnoCall(
          "socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle GETPID =
      Native.plainCall("getpid", FunctionDescriptor.of(JAVA_INT));

  private Sockets() {}

  private static int intOption(int fd, int option, String name) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(JAVA_INT);
      MemorySegment length = arena.allocate(JAVA_INT);
      length.set(JAVA_INT, 0, 4);
      int rc;
      try {
        rc = (int) GETSOCKOPT.invokeExact(capture, fd, SOL_SOCKET, option, value, length);
      } catch (Throwable t) {
        throw Native.unexpected(t);
      }
      if (rc < 0) {
        throw new NativeException("getsockopt(" + name + ")", Native.errno(capture));
      }
      return value.get(JAVA_INT, 0);
    }
  }

  private static void timeoutOption(int fd, int option, String name, long micros)
      throws NativeException {
    if (micros < 0) {
      throw new IllegalArgumentException(name + " of " + micros + " us");
    }
    MemorySegment capture = Native.scratch().capture;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment tv = arena.allocate(TIMEVAL_SIZE, 8);
      tv.set(JAVA_LONG, TIMEVAL_SEC_OFFSET, micros / 1_000_000);
      tv.set(JAVA_LONG, TIMEVAL_USEC_OFFSET, micros % 1_000_000);
      int rc;
      try {
        rc = (int) SETSOCKOPT.invokeExact(capture, fd, SOL_SOCKET, option, tv, TIMEVAL_SIZE);
      } catch (Throwable t) {
        throw Native.unexpected(t);
      }
      if (rc < 0) {
        throw new NativeException("setsockopt(" + name + ")", Native.errno(capture));
      }
    }
  }

  /**
   * SO_RCVTIMEO: a blocking receive on {@code fd} that gets no data for {@code micros} fails with
   * EAGAIN instead of waiting on. 0 means wait for ever (the default).
   */
  public static void setReceiveTimeout(int fd, long micros) throws NativeException {
    timeoutOption(fd, SO_RCVTIMEO, "SO_RCVTIMEO", micros);
  }

  /**
   * SO_SNDTIMEO: a blocking send on {@code fd} that cannot make progress for {@code micros} (the
   * peer does not read) fails with EAGAIN. 0 means wait for ever (the default).
   */
  public static void setSendTimeout(int fd, long micros) throws NativeException {
    timeoutOption(fd, SO_SNDTIMEO, "SO_SNDTIMEO", micros);
  }

  /** True if {@code fd} is a socket in the listening state (SO_ACCEPTCONN). */
  public static boolean isListening(int fd) throws NativeException {
    return intOption(fd, SO_ACCEPTCONN, "SO_ACCEPTCONN") != 0;
  }

  /** True if {@code fd} is an AF_UNIX stream socket; throws ENOTSOCK-style errors otherwise. */
  public static boolean isUnixStream(int fd) throws NativeException {
    return intOption(fd, SO_DOMAIN, "SO_DOMAIN") == AF_UNIX
        && intOption(fd, SO_TYPE, "SO_TYPE") == SOCK_STREAM;
  }

  /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected ends, each owned. */
  public static OwnedFd[] socketPair() throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      int rc;
      try {
        rc = (int) SOCKETPAIR.invokeExact(capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
      } catch (Throwable t) {
        throw Native.unexpected(t);
      }
      if (rc < 0) {
        throw new NativeException("socketpair", Native.errno(capture));
      }
      return new OwnedFd[] {
        new OwnedFd(fds.getAtIndex(JAVA_INT, 0)), new OwnedFd(fds.getAtIndex(JAVA_INT, 1))
      };
    }
  }

  public static int getpid() {
    try {
      return (int) GETPID.invokeExact();
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
  }
}
