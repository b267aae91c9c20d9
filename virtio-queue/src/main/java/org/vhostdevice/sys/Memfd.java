// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** memfd_create + ftruncate: anonymous shared memory that can be handed to another process. */
public final class Memfd {
  private static final int MFD_CLOEXEC = 1;
  private static final MethodHandle MEMFD_CREATE =
      Native.errnoCall("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle FTRUNCATE =
      Native.errnoCall("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

  private Memfd() {}

  /** A close-on-exec memfd of {@code size} bytes (zero-filled, pages allocated on first touch). */
  public static OwnedFd create(String name, long size) throws NativeException {
    MemorySegment capture = Native.scratch().capture;
    int fd;
    try (Arena arena = Arena.ofConfined()) {
      fd = (int) MEMFD_CREATE.invokeExact(capture, arena.allocateFrom(name), MFD_CLOEXEC);
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
    if (fd < 0) {
      throw new NativeException("memfd_create", Native.errno(capture));
    }
    OwnedFd owned = new OwnedFd(fd);
    int rc;
    try {
      rc = (int) FTRUNCATE.invokeExact(capture, fd, size);
    } catch (Throwable t) {
      owned.close();
      throw Native.unexpected(t);
    }
    if (rc < 0) {
      int errno = Native.errno(capture);
      owned.close();
      throw new NativeException("ftruncate", errno);
    }
    return owned;
  }
}
