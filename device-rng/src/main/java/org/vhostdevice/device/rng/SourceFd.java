// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

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
import org.vhostdevice.sys.NativeException;

/**
 * The native boundary for opening the entropy source: {@code open(2)} with O_NONBLOCK, which
 * {@code FileChannel} cannot do. Non-blocking matters for FIFOs and character devices: opening
 * a FIFO without a writer must not hang start-up, and a read with nothing to give must not park
 * a guest's worker where it can no longer stop its queue. Reads and close go through the core's
 * {@code org.vhostdevice.sys.Fds}; the core's {@code Native} is package-private, so this one
 * call is linked here in the same style.
 */
final class SourceFd {
  private static final int O_RDONLY = 0;
  private static final int O_NONBLOCK = 0x800;
  private static final int O_CLOEXEC = 0x80000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle OPEN = LINKER.downcallHandle(
      LINKER.defaultLookup().find("open")
          .orElseThrow(() -> new UnsatisfiedLinkError("libc has no open")),
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
      Linker.Option.captureCallState("errno"));

  private SourceFd() {}

  /** Opens {@code path} read-only, non-blocking, close-on-exec; the caller closes the fd. */
  static int openNonBlocking(Path path) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE);
      MemorySegment name = arena.allocateFrom(path.toString());
      while (true) {
        int fd;
        try {
          fd = (int) OPEN.invokeExact(capture, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        } catch (Throwable t) {
          throw new AssertionError("open downcall failed unexpectedly", t);
        }
        if (fd >= 0) {
          return fd;
        }
        int errno = (int) ERRNO.get(capture, 0L);
        if (errno != Errno.EINTR) {
          throw new NativeException("open " + path, errno);
        }
      }
    }
  }
}
