// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;

/** The input daemon's native boundary: open(2) and ioctl(2) on event devices, over FFM. */
final class LinuxEvdevIo implements EvdevIo {
  static final int O_RDONLY = 0;
  static final int O_RDWR = 2;
  static final int O_NONBLOCK = 0x800;
  static final int O_CLOEXEC = 0x80000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle OPEN = variadic("open",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
  private static final MethodHandle IOCTL_PTR = variadic("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
  private static final MethodHandle IOCTL_INT = variadic("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), 2);

  private static final MethodHandle PIPE2 = LINKER.downcallHandle(
      LINKER.defaultLookup().find("pipe2").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));

  /** A close-on-exec pipe {read end, write end}, for sources that are not character devices. */
  static int[] pipe() throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      MemorySegment fds = a.allocate(JAVA_INT, 2);
      int rc = (int) PIPE2.invokeExact(capture, fds, O_CLOEXEC);
      if (rc < 0) {
        throw new NativeException("pipe2", errno(capture));
      }
      return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  private static MethodHandle variadic(String name, FunctionDescriptor d, int first) {
    MemorySegment sym = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(sym, d, Linker.Option.captureCallState("errno"),
        Linker.Option.firstVariadicArg(first));
  }

  private static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  @Override
  public int open(String path) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      MemorySegment p = a.allocateFrom(path);
      int fd = (int) OPEN.invokeExact(capture, p, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
      if (fd < 0 && (errno(capture) == Errno.EACCES || errno(capture) == Errno.EPERM)) {
        // Read-only is enough for events; only LED/sound feedback needs write access.
        fd = (int) OPEN.invokeExact(capture, p, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
      }
      if (fd < 0) {
        throw new NativeException("open " + path, errno(capture));
      }
      return fd;
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @Override
  public int ioctl(int fd, int request, MemorySegment arg) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      int rc = (int) IOCTL_PTR.invokeExact(capture, fd, Integer.toUnsignedLong(request), arg);
      if (rc < 0) {
        throw new NativeException(String.format("ioctl 0x%08x", request), errno(capture));
      }
      return rc;
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @Override
  public int ioctl(int fd, int request, int arg) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      int rc = (int) IOCTL_INT.invokeExact(capture, fd, Integer.toUnsignedLong(request), arg);
      if (rc < 0) {
        throw new NativeException(String.format("ioctl 0x%08x", request), errno(capture));
      }
      return rc;
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @Override
  public long read(int fd, MemorySegment dst, long len) throws IOException {
    return Fds.read(fd, dst, len);
  }

  @Override
  public long write(int fd, MemorySegment src, long len) throws IOException {
    return Fds.write(fd, src, len);
  }

  @Override
  public void close(int fd) {
    Fds.closeQuietly(fd);
  }
}
