// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

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
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * The native boundary of a real {@code /dev/spidevB.C}: open(2) and ioctl(2) through FFM, errno
 * turned into a {@link NativeException} naming the call. The spidev driver serialises ioctls on
 * one device itself; this class adds no locking.
 */
public final class LinuxSpidev implements Spidev {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
  private static final int O_RDWR = 2;
  private static final int O_CLOEXEC = 0x80000;
  // Both are variadic in C: the third argument is passed the variadic way.
  private static final MethodHandle OPEN =
      variadic("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
  private static final MethodHandle IOCTL =
      variadic("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);

  private final OwnedFd fd;
  private final Path path;
  // Freed with this object: close() may come from another thread than the last ioctl.
  private final MemorySegment capture = Arena.ofAuto().allocate(CAPTURE);

  private LinuxSpidev(OwnedFd fd, Path path) {
    this.fd = fd;
    this.path = path;
  }

  private static MethodHandle variadic(String name, FunctionDescriptor d, int firstVariadic) {
    MemorySegment symbol = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, d, CAPTURE_ERRNO,
        Linker.Option.firstVariadicArg(firstVariadic));
  }

  /** Opens {@code path} read-write (and close-on-exec), as the Rust daemon does. */
  public static LinuxSpidev open(Path path) throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE);
      MemorySegment name = arena.allocateFrom(path.toString());
      int rc;
      try {
        rc = (int) OPEN.invokeExact(capture, name, O_RDWR | O_CLOEXEC, 0);
      } catch (Throwable t) {
        throw new AssertionError("open downcall failed", t);
      }
      if (rc < 0) {
        throw new NativeException("open(" + path + ")", (int) ERRNO.get(capture, 0L));
      }
      return new LinuxSpidev(new OwnedFd(rc), path);
    }
  }

  @Override
  public synchronized void ioctl(long request, MemorySegment arg) throws NativeException {
    int f = fd.fd();
    if (f < 0) {
      throw new NativeException("ioctl(" + SpiIoc.name(request) + ") on closed " + path,
          Errno.EBADF);
    }
    while (true) {
      int rc;
      try {
        rc = (int) IOCTL.invokeExact(capture, f, request, arg);
      } catch (Throwable t) {
        throw new AssertionError("ioctl downcall failed", t);
      }
      if (rc >= 0) {
        return;
      }
      int errno = (int) ERRNO.get(capture, 0L);
      if (errno != Errno.EINTR) {
        throw new NativeException("ioctl(" + path + ", " + SpiIoc.name(request) + ")", errno);
      }
    }
  }

  @Override
  public void close() {
    fd.close();
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
