// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;

/**
 * The native boundary for hole punching: {@code open(2)} a second descriptor on an image and
 * {@code fallocate(2)} with PUNCH_HOLE|KEEP_SIZE on it (FileChannel has no way to deallocate),
 * plus {@code pwrite(2)} on it to learn the errno of a write that FileChannel failed (its
 * IOException carries only a localised message, and ENOSPC needs its own sense code).
 * The core's {@code org.vhostdevice.sys.Native} is package-private, so the two calls are linked
 * here in the same style; failures are {@link NativeException}s naming the call.
 */
final class Fallocate {
  static final int FALLOC_FL_KEEP_SIZE = 0x01;
  static final int FALLOC_FL_PUNCH_HOLE = 0x02;
  static final int EOPNOTSUPP = 95;
  private static final int O_RDWR = 0x2;
  private static final int O_CLOEXEC = 0x80000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle OPEN =
      call("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle PWRITE =
      call("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
  private static final MethodHandle FALLOCATE =
      call("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
  private static final ThreadLocal<MemorySegment> CAPTURE_AREA =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

  private Fallocate() {}

  private static MethodHandle call(String name, FunctionDescriptor fd) {
    MemorySegment sym = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(sym, fd, Linker.Option.captureCallState("errno"));
  }

  /** Opens {@code path} read-write, close-on-exec; the caller closes it with {@link Fds#close}. */
  static int openReadWrite(Path path) throws NativeException {
    MemorySegment capture = CAPTURE_AREA.get();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment name = arena.allocateFrom(path.toString());
      while (true) {
        int fd;
        try {
          fd = (int) OPEN.invokeExact(capture, name, O_RDWR | O_CLOEXEC);
        } catch (Throwable t) {
          throw new AssertionError("open downcall failed unexpectedly", t);
        }
        if (fd >= 0) {
          return fd;
        }
        int errno = (int) ERRNO.get(capture, 0L);
        if (errno != Errno.EINTR) {
          throw new NativeException("open", errno);
        }
      }
    }
  }

  /** Punches a hole; false if the file system cannot (EOPNOTSUPP). */
  static boolean punchHole(int fd, long offset, long length) throws NativeException {
    MemorySegment capture = CAPTURE_AREA.get();
    while (true) {
      int rc;
      try {
        rc = (int) FALLOCATE.invokeExact(capture, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
            offset, length);
      } catch (Throwable t) {
        throw new AssertionError("fallocate downcall failed unexpectedly", t);
      }
      if (rc == 0) {
        return true;
      }
      int errno = (int) ERRNO.get(capture, 0L);
      if (errno == Errno.EINTR) {
        continue;
      }
      if (errno == EOPNOTSUPP) {
        return false;
      }
      throw new NativeException("fallocate", errno);
    }
  }

  /**
   * One {@code pwrite(2)} of {@code src} (native memory) at {@code offset}; returns the bytes
   * written.
   *
   * @throws NativeException naming pwrite and its errno
   */
  static long pwrite(int fd, MemorySegment src, long offset) throws NativeException {
    MemorySegment capture = CAPTURE_AREA.get();
    while (true) {
      long n;
      try {
        n = (long) PWRITE.invokeExact(capture, fd, src, src.byteSize(), offset);
      } catch (Throwable t) {
        throw new AssertionError("pwrite downcall failed unexpectedly", t);
      }
      if (n >= 0) {
        return n;
      }
      int errno = (int) ERRNO.get(capture, 0L);
      if (errno != Errno.EINTR) {
        throw new NativeException("pwrite", errno);
      }
    }
  }
}
