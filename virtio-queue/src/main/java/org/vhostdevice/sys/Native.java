// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place that links libc functions. Every downcall captures errno so that callers can turn
 * a failure into a {@link NativeException} naming the call.
 */
final class Native {
  static final Linker LINKER = Linker.nativeLinker();
  static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  /** Per-thread scratch: the errno capture area and a small buffer for 8-byte reads/writes. */
  static final class Scratch {
    final MemorySegment capture;
    final MemorySegment u64;

    private Scratch() {
      // Lives as long as the thread may call us; Arena.ofAuto frees it with the thread.
      Arena arena = Arena.ofAuto();
      capture = arena.allocate(CAPTURE_LAYOUT);
      u64 = arena.allocate(ValueLayout.JAVA_LONG);
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Native() {}

  static Scratch scratch() {
    return SCRATCH.get();
  }

  /** A downcall whose first argument is the errno capture segment. */
  static MethodHandle errnoCall(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
  }

  /** A variadic downcall (fcntl, ioctl): {@code firstVariadic} is the index of the first "..." argument. */
  static MethodHandle errnoCall(String name, FunctionDescriptor descriptor, int firstVariadic) {
    MemorySegment symbol =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(
        symbol, descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
  }

  static MethodHandle plainCall(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, descriptor);
  }

  static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  /** Wraps a Throwable from {@code MethodHandle.invokeExact} that cannot really happen. */
  static AssertionError unexpected(Throwable t) {
    return new AssertionError("native downcall failed unexpectedly", t);
  }
}
