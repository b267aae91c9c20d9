// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Plain file-descriptor calls: close, read, write, fcntl, dup, and what kind of file an fd is. */
public final class Fds {
  private static final MethodHandle CLOSE =
      Native.errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle READ =
      Native.errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle WRITE =
      Native.errnoCall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle FCNTL =
      Native.errnoCall(
          "fcntl",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
          1);
  private static final MethodHandle DUP =
      Native.errnoCall("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  static final int F_GETFD = 1;
  static final int F_SETFD = 2;
  static final int F_GETFL = 3;
  static final int F_SETFL = 4;
  static final int FD_CLOEXEC = 1;
  static final int O_NONBLOCK = 0x800;

  private Fds() {}

  public static void close(int fd) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) CLOSE.invokeExact(capture, fd);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    // Linux always releases the descriptor, even on EINTR: never retry close.
    if (rc < 0 && Native.errno(capture) != Errno.EINTR) {
      throw new NativeException("close", Native.errno(capture));
    }
  }

  /** Closes {@code fd}, ignoring errors: for cleanup paths that already have a failure to report. */
  public static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      close(fd);
    } catch (NativeException ignored) {
      // nothing useful to do: the descriptor is gone either way
    }
  }

  /** Reads up to {@code length} bytes into {@code dst}; returns -1 on EAGAIN, 0 at EOF. */
  public static long read(int fd, MemorySegment dst, long length) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    while (true) {
      long n;
      try {
        n = (long) READ.invokeExact(capture, fd, dst, length);
      } catch (Throwable t) {
        throw Native.unexpected(t);
      }
      if (n >= 0) {
        return n;
      }
      int errno = Native.errno(capture);
      if (errno == Errno.EINTR) {
        continue;
      }
      if (errno == Errno.EAGAIN) {
        return -1;
      }
      throw new NativeException("read", errno);
    }
  }

  /** Writes up to {@code length} bytes from {@code src}; returns -1 on EAGAIN. */
  public static long write(int fd, MemorySegment src, long length) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    while (true) {
      long n;
      try {
        n = (long) WRITE.invokeExact(capture, fd, src, length);
      } catch (Throwable t) {
        throw Native.unexpected(t);
      }
      if (n >= 0) {
        return n;
      }
      int errno = Native.errno(capture);
      if (errno == Errno.EINTR) {
        continue;
      }
      if (errno == Errno.EAGAIN) {
        return -1;
      }
      throw new NativeException("write", errno);
    }
  }

  /** True if {@code fd} names an open descriptor of this process. */
  public static boolean isOpen(int fd) {
    MemorySegment capture = Native.scratch().capture;
    try {
      return (int) FCNTL.invokeExact(capture, fd, F_GETFD, 0) >= 0;
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
  }

  static int fcntl(int fd, int cmd, int arg) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) FCNTL.invokeExact(capture, fd, cmd, arg);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      throw new NativeException("fcntl", Native.errno(capture));
    }
    return rc;
  }

  /** Marks {@code fd} close-on-exec so that a daemon's children never inherit guest memory. */
  public static void setCloseOnExec(int fd) throws NativeException {
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD, 0) | FD_CLOEXEC);
  }

  public static void setNonBlocking(int fd, boolean nonBlocking) throws NativeException {
    int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
  }

  /**
   * What {@code fd} is, as /proc/self/fd names it: "anon_inode:[eventfd]", "socket:[1234]",
   * "/memfd:guest (deleted)", ... For checking fds a peer sent before trusting their kind.
   */
  public static String kind(int fd) throws IOException {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    } catch (NoSuchFileException e) {
      throw new NativeException("readlink(/proc/self/fd/" + fd + ")", Errno.EBADF);
    }
  }

  /**
   * The "key: value" lines of /proc/self/fdinfo/{@code fd} that the kernel adds for the fd's kind
   * (eventfd-count, eventfd-semaphore, ...); the value of {@code key}, or null if there is none.
   */
  public static String info(int fd, String key) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd));
    } catch (NoSuchFileException e) {
      throw new NativeException("read(/proc/self/fdinfo/" + fd + ")", Errno.EBADF);
    }
    String prefix = key + ":";
    for (String line : lines) {
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length()).trim();
      }
    }
    return null;
  }

  /** Whether O_NONBLOCK is set on {@code fd}'s open file description. */
  public static boolean isNonBlocking(int fd) throws NativeException {
    return (fcntl(fd, F_GETFL, 0) & O_NONBLOCK) != 0;
  }

  /** Duplicates {@code fd} (close-on-exec is not inherited by dup: set it again if needed). */
  public static int dup(int fd) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    int rc;
    try {
      rc = (int) DUP.invokeExact(capture, fd);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      throw new NativeException("dup", Native.errno(capture));
    }
    return rc;
  }
}
