// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * The SCMI daemon's native boundary: open(2) of an IIO character device ({@code
 * /dev/iio:deviceN}) non-blocking, so that its readability can be watched with epoll. Reads go
 * through {@link org.vhostdevice.sys.Fds#read}.
 */
final class IioNative {
  static final int O_RDONLY = 0;
  static final int O_NONBLOCK = 0x800;
  static final int O_CLOEXEC = 0x80000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  /** open(const char *path, int flags, ...): the mode is variadic and unused without O_CREAT. */
  private static final MethodHandle OPEN = LINKER.downcallHandle(
      LINKER.defaultLookup().find("open")
          .orElseThrow(() -> new UnsatisfiedLinkError("libc has no open")),
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
      Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

  private IioNative() {}

  /** Opens {@code path} read-only, non-blocking, close-on-exec. */
  static OwnedFd openForEvents(Path path) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      MemorySegment cPath = a.allocateFrom(path.toString());
      int fd = (int) OPEN.invokeExact(capture, cPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
      if (fd < 0) {
        throw new NativeException("open(" + path + ")", (int) ERRNO.get(capture, 0L));
      }
      return new OwnedFd(fd);
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError("open downcall failed unexpectedly", t);
    }
  }
}
