// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.FileDescriptorCast;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * One place frontends come from: a socket path we bind, an inherited listening socket, or an
 * inherited connected socket (served once). Bound once; frontends are accepted one after another.
 */
final class SocketEndpoint implements AutoCloseable {
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final String description;
  private final AFUNIXServerSocket server;
  private final Path ownedPath;
  private OwnedFd connected;

  private SocketEndpoint(
      String description, AFUNIXServerSocket server, Path ownedPath, OwnedFd connected) {
    this.description = description;
    this.server = server;
    this.ownedPath = ownedPath;
    this.connected = connected;
  }

  /**
   * Binds {@code path}. A stale socket file left by a dead daemon is replaced; anything else at
   * that path (a regular file, a directory, a socket another backend still listens on) is not.
   */
  static SocketEndpoint bind(Path path) throws IOException {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if ((mode & S_IFMT) != S_IFSOCK) {
        throw new IOException(path + " exists and is not a socket; refusing to replace it");
      }
      if (isLive(path)) {
        throw new IOException(path + " is in use by another running backend");
      }
      Files.delete(path);
    }
    AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
    try {
      server.bind(AFUNIXSocketAddress.of(path));
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
    }
    return new SocketEndpoint(path.toString(), server, path, null);
  }

  private static boolean isLive(Path path) {
    try (AFUNIXSocket probe = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Adopts an inherited fd: accepts on it if it listens, serves it once if it is connected. */
  static SocketEndpoint inherit(int fd) throws IOException {
    try {
      if (!Sockets.isUnixStream(fd)) {
        throw new IOException("fd " + fd + " is not a Unix stream socket");
      }
      if (Sockets.isListening(fd)) {
        return new SocketEndpoint(
            "fd " + fd, FileDescriptorCast.unsafeUsing(fd).as(AFUNIXServerSocket.class), null,
            null);
      }
      return new SocketEndpoint("fd " + fd, null, null, new OwnedFd(fd));
    } catch (NativeException e) {
      throw new IOException("fd " + fd + " is not a usable socket: " + e.getMessage(), e);
    }
  }

  /** The next frontend, or null when this endpoint has none left (closed, or served once). */
  Connection accept() throws IOException {
    if (server == null) {
      OwnedFd once = connected;
      connected = null;
      return once == null ? null : Connection.adopt(once);
    }
    AFUNIXSocket socket;
    try {
      socket = server.accept();
    } catch (SocketException e) {
      if (server.isClosed()) {
        return null;
      }
      throw e;
    }
    try {
      return Connection.of(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  @Override
  public String toString() {
    return description;
  }

  @Override
  public void close() {
    try {
      if (server != null) {
        server.close();
      }
      if (connected != null) {
        connected.close();
        connected = null;
      }
    } catch (IOException e) {
      // closing a socket we are abandoning: nothing to report
    }
    if (ownedPath != null) {
      try {
        Files.deleteIfExists(ownedPath);
      } catch (IOException e) {
        // best effort: a stale socket file is replaced by the next start anyway
      }
    }
  }
}
