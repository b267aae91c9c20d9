// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.vhostdevice.sys.NativeException;

/**
 * The console's native boundary: termios (tcgetattr, cfmakeraw, tcsetattr), isatty and pipe2.
 * struct termios is treated as opaque bytes; cfmakeraw knows its layout, so no field offsets
 * are hard-coded here.
 */
final class TerminalNative {
  /** glibc's struct termios is 60 bytes on Linux; room to spare for other ABIs. */
  static final long TERMIOS_SIZE = 256;
  static final int TCSANOW = 0;
  static final int O_CLOEXEC = 0x80000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle TCGETATTR =
      call("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle TCSETATTR =
      call("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle CFMAKERAW = LINKER.downcallHandle(
      LINKER.defaultLookup().find("cfmakeraw").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
  private static final MethodHandle ISATTY =
      call("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle PIPE2 =
      call("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

  private TerminalNative() {}

  private static MethodHandle call(String name, FunctionDescriptor d) {
    MemorySegment sym = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(sym, d, Linker.Option.captureCallState("errno"));
  }

  private static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  static boolean isatty(int fd) {
    try (Arena a = Arena.ofConfined()) {
      return (int) ISATTY.invokeExact(a.allocate(CAPTURE), fd) == 1;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** The current settings of terminal {@code fd}, as opaque bytes. */
  static byte[] getAttributes(int fd) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      MemorySegment t = a.allocate(TERMIOS_SIZE);
      int rc = (int) TCGETATTR.invokeExact(capture, fd, t);
      if (rc < 0) {
        throw new NativeException("tcgetattr", errno(capture));
      }
      return t.toArray(ValueLayout.JAVA_BYTE);
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static void setAttributes(int fd, byte[] termios) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      MemorySegment t = a.allocate(TERMIOS_SIZE);
      t.copyFrom(MemorySegment.ofArray(termios));
      int rc = (int) TCSETATTR.invokeExact(capture, fd, TCSANOW, t);
      if (rc < 0) {
        throw new NativeException("tcsetattr", errno(capture));
      }
    } catch (NativeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** {@code termios} made raw by libc's cfmakeraw: no echo, no line editing, no signals. */
  static byte[] makeRaw(byte[] termios) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment t = a.allocate(TERMIOS_SIZE);
      t.copyFrom(MemorySegment.ofArray(termios));
      CFMAKERAW.invokeExact(t);
      return t.toArray(ValueLayout.JAVA_BYTE);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** A close-on-exec pipe: {read fd, write fd}. */
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
}
