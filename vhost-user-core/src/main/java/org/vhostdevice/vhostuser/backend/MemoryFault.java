// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

/**
 * Recognises the JVM's answer to SIGBUS on guest memory. A region stays mapped after the frontend
 * shrinks the file behind it (a memfd without F_SEAL_SHRINK, a file on /dev/shm); touching a page
 * past the new end raises SIGBUS, which the JVM turns into an {@link InternalError} at the access.
 * The core catches it where guest memory is read on its own threads and handles it like a broken
 * ring or a malformed request, instead of losing the thread.
 */
final class MemoryFault {
  /** The message HotSpot gives the error (see its signal handler's unsafe-access path). */
  private static final String JVM_MESSAGE = "unsafe memory access";

  private MemoryFault() {}

  static boolean is(InternalError e) {
    return e.getMessage() != null && e.getMessage().contains(JVM_MESSAGE);
  }

  static String describe(InternalError e) {
    return "guest memory is no longer backed (did the frontend shrink a memory file?): "
        + e.getMessage();
  }
}
