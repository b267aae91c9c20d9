// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.ConnectionRefusedSocketException;

/** The client side of a socket path, patient with a backend that is still starting. */
final class Connector {
  private static final int ATTEMPTS = 10;
  private static final long RETRY_MS = 100;

  private Connector() {}

  /**
   * Connects to {@code path}, retrying for about a second while it does not exist yet (ENOENT)
   * or nobody listens on it yet (ECONNREFUSED). Other failures are not retried.
   */
  static AFUNIXSocket connect(Path path) throws IOException {
    AFUNIXSocketAddress address = AFUNIXSocketAddress.of(path);
    for (int attempt = 1; ; attempt++) {
      // Not AFUNIXSocket.connectTo: in 2.11.1 it leaks the socket when the connect fails.
      AFUNIXSocket socket = AFUNIXSocket.newInstance();
      try {
        socket.connect(address);
        return socket;
      } catch (SocketException e) {
        socket.close();
        boolean notYet = e instanceof ConnectionRefusedSocketException
            || !Files.exists(path, LinkOption.NOFOLLOW_LINKS);
        if (!notYet || attempt == ATTEMPTS) {
          throw e;
        }
      } catch (IOException | RuntimeException e) {
        socket.close();
        throw e;
      }
      try {
        Thread.sleep(RETRY_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while connecting to " + path);
      }
    }
  }
}
