// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.FileDescriptorCast;
import org.vhostdevice.sys.OwnedFd;

/**
 * The far end of a socket, driven byte by byte: writes arbitrary bytes (malformed headers, split
 * messages) and reads exactly what a {@link Connection} wrote.
 */
public final class RawPeer implements AutoCloseable {
  private final AFUNIXSocket socket;
  private final OwnedFd fd;

  /** What a raw read returned: the bytes, and how many fds came with them (already closed). */
  public record Received(byte[] bytes, int fdCount) {}

  /** A connection and a raw peer on the two ends of one socketpair. */
  public record Ends(Connection connection, RawPeer peer) implements AutoCloseable {
    @Override
    public void close() {
      connection.close();
      peer.close();
    }
  }

  private RawPeer(OwnedFd fd) throws IOException {
    this.fd = fd;
    this.socket = FileDescriptorCast.unsafeUsing(fd.fd()).as(AFUNIXSocket.class);
    socket.setAncillaryReceiveBufferSize(1024);
  }

  public static Ends open() throws IOException {
    OwnedFd[] fds = SocketPair.open();
    return new Ends(Connection.adopt(fds[0]), new RawPeer(fds[1]));
  }

  /** Writes {@code bytes} in one call with {@code fds} on the first byte. */
  public void write(byte[] bytes, int... fds) throws IOException {
    FileDescriptor[] descriptors = new FileDescriptor[fds.length];
    for (int i = 0; i < fds.length; i++) {
      descriptors[i] = FileDescriptorCast.unsafeUsing(fds[i]).getFileDescriptor();
    }
    socket.setOutboundFileDescriptors(descriptors);
    socket.getOutputStream().write(bytes);
  }

  /** Reads exactly {@code n} bytes and counts (then closes) the fds that came with them. */
  public Received read(int n) throws IOException {
    byte[] buf = new byte[n];
    int got = 0;
    int fds = 0;
    while (got < n) {
      int r = socket.getInputStream().read(buf, got, n - got);
      for (FileDescriptor d : socket.getReceivedFileDescriptors()) {
        // Through the FileDescriptor, so junixsocket forgets it (see ReceivedFds).
        new FileInputStream(d).close();
        fds++;
      }
      if (r < 0) {
        throw new EOFException("got " + got + " of " + n + " bytes");
      }
      got += r;
    }
    return new Received(buf, fds);
  }

  /** Bytes written to us and not read yet. */
  public int available() throws IOException {
    return socket.getInputStream().available();
  }

  /** Hangs up: closes the socket and, since a cast socket never does, its fd. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // test cleanup
    }
    fd.close();
  }
}
