// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

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
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): the backend channel a frontend hands over with
 * SET_BACKEND_REQ_FD, and in-process connections. junixsocket's own AFUNIXSocketPair.open() is
 * not used because 2.11.1 leaks two sockets per call; and its sockets shut the connection down
 * when closed, which would kill the end already passed to the backend.
 */
public final class SocketPair {
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_CLOEXEC = 0x80000;

  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle SOCKETPAIR = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("socketpair").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS),
      Linker.Option.captureCallState("errno"));

  private SocketPair() {}

  /** Two connected, close-on-exec Unix stream sockets, each owned by the caller. */
  public static OwnedFd[] open() throws NativeException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE);
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      int rc;
      try {
        rc = (int) SOCKETPAIR.invokeExact(
            capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
      } catch (Throwable t) {
        throw new AssertionError("socketpair downcall failed unexpectedly", t);
      }
      if (rc < 0) {
        throw new NativeException("socketpair", (int) ERRNO.get(capture, 0L));
      }
      return new OwnedFd[] {
        new OwnedFd(fds.getAtIndex(JAVA_INT, 0)), new OwnedFd(fds.getAtIndex(JAVA_INT, 1))
      };
    }
  }
}
