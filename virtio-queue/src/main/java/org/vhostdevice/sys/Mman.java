// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** mmap/munmap of shared file mappings (guest RAM received from the frontend). */
public final class Mman {
  public static final int PROT_READ = 0x1;
  public static final int PROT_WRITE = 0x2;
  public static final int MAP_SHARED = 0x01;
  public static final int MAP_NORESERVE = 0x4000;
  public static final long PAGE_SIZE = 4096;

  private static final MethodHandle MMAP =
      Native.errnoCall(
          "mmap",
          FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
  private static final MethodHandle MUNMAP =
      Native.errnoCall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle FSTAT =
      Native.errnoCall("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  /** x86_64 struct stat: st_mode (u32) at 24, st_size (i64) at 48, 144 bytes in all. */
  private static final long STAT_SIZE = 144;
  private static final long ST_MODE = 24;
  private static final long ST_SIZE = 48;
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final long MAP_FAILED = -1L;

  private Mman() {}

  /**
   * Maps {@code length} bytes of {@code fd} at {@code offset} read-write and shared. The returned
   * segment belongs to {@code arena}: closing the arena unmaps it, and the JDK guarantees no thread
   * is inside an access to it when that happens (a late access throws instead of faulting).
   */
  public static MemorySegment mapShared(int fd, long offset, long length, Arena arena)
      throws NativeException {
    if (length <= 0) {
      throw new NativeException("mmap", Errno.EINVAL);
    }
    MemorySegment capture = Native.scratch().capture;
    MemorySegment addr;
    try {
      addr =
          (MemorySegment)
              MMAP.invokeExact(
                  capture,
                  MemorySegment.NULL,
                  length,
                  PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_NORESERVE,
                  fd,
                  offset);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (addr.address() == MAP_FAILED) {
      throw new NativeException("mmap", Native.errno(capture));
    }
    long base = addr.address();
    return addr.reinterpret(length, arena, ignored -> unmap(base, length));
  }

  private static void unmap(long address, long length) {
    MemorySegment capture = Native.scratch().capture;
    try {
      int ignored = (int) MUNMAP.invokeExact(capture, MemorySegment.ofAddress(address), length);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
  }

  /**
   * The size of the regular file behind {@code fd}, or -1 if it is not a regular file (a device).
   * Mapping past the end of a file maps pages whose first touch raises SIGBUS, which would kill
   * the JVM: callers check a region against this before mapping it.
   */
  public static long regularFileSize(int fd) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment stat = arena.allocate(STAT_SIZE, 8);
      int rc;
      try {
        rc = (int) FSTAT.invokeExact(capture, fd, stat);
      } catch (Throwable t) {
        throw Native.unexpected(t);
      }
      if (rc < 0) {
        throw new NativeException("fstat", Native.errno(capture));
      }
      if ((stat.get(JAVA_INT, ST_MODE) & S_IFMT) != S_IFREG) {
        return -1;
      }
      return stat.get(JAVA_LONG, ST_SIZE);
    }
  }
}
