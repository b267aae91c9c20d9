// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;

/**
 * socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): the backend channel a frontend hands over with
 * SET_BACKEND_REQ_FD, and in-process connections. junixsocket's own AFUNIXSocketPair.open() is
 * not used because 2.11.1 leaks two sockets per call; and its sockets shut the connection down
 * when closed, which would kill the end already passed to the backend.
 */
public final class SocketPair {
  private SocketPair() {}

  /** Two connected, close-on-exec Unix stream sockets, each owned by the caller. */
  public static OwnedFd[] open() throws NativeException {
    return Sockets.socketPair();
  }
}
