// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/** What a hostile frontend does to files it shared: ftruncate, which production never calls. */
final class TestFiles {
  private static final MethodHandle FTRUNCATE = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("ftruncate").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

  private TestFiles() {}

  static void truncate(int fd, long size) {
    int rc;
    try {
      rc = (int) FTRUNCATE.invokeExact(fd, size);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    if (rc != 0) {
      throw new IllegalStateException("ftruncate(" + fd + ", " + size + ") failed");
    }
  }
}
