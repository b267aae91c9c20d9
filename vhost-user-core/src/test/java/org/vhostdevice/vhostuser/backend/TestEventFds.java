// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import org.vhostdevice.sys.OwnedFd;

/** Eventfds in the modes no well-behaved frontend sends, which EventFd.create never makes. */
final class TestEventFds {
  private static final int EFD_SEMAPHORE = 1;
  private static final int EFD_CLOEXEC = 0x80000;
  private static final MethodHandle EVENTFD = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("eventfd").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

  private TestEventFds() {}

  /** A blocking eventfd in semaphore mode. */
  static OwnedFd semaphore() {
    return create(EFD_SEMAPHORE | EFD_CLOEXEC);
  }

  /** A plain blocking eventfd. */
  static OwnedFd blocking() {
    return create(EFD_CLOEXEC);
  }

  private static OwnedFd create(int flags) {
    int fd;
    try {
      fd = (int) EVENTFD.invokeExact(0, flags);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    if (fd < 0) {
      throw new IllegalStateException("eventfd failed");
    }
    return new OwnedFd(fd);
  }
}
