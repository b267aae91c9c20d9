// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.newsclub.net.unix.AFUNIXSocket;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;

/**
 * Reads one message at a time, header first (core.md §1.4). The kernel hands over a message's fds
 * with the first read that touches its bytes, so a read that crossed into the next message would
 * steal that message's fds: hence exactly 12 header bytes, then exactly {@code size} payload
 * bytes, keeping only the fds of the read that returned the first header byte.
 */
final class MessageReader {
  private final AFUNIXSocket socket;
  private final InputStream in;

  MessageReader(AFUNIXSocket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /**
   * The next message, or null if the peer hung up cleanly between messages.
   *
   * @throws org.vhostdevice.vhostuser.protocol.ProtocolException if the header is malformed
   * @throws EOFException if the peer hung up in the middle of a message
   */
  Message read() throws IOException {
    List<OwnedFd> fds = new ArrayList<>();
    try {
      byte[] header = new byte[Header.SIZE];
      if (!readFully(header, fds)) {
        return null;
      }
      ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
      int code = h.getInt(Header.REQUEST_OFFSET);
      int flags = h.getInt(Header.FLAGS_OFFSET);
      int size = h.getInt(Header.SIZE_OFFSET);
      // Before the payload is read: a size beyond 4096 is never allocated.
      Header.checkFraming(flags, size);
      byte[] payload = new byte[size];
      readFully(payload, null);
      return new Message(code, flags, payload, fds);
    } catch (IOException | RuntimeException e) {
      ReceivedFds.closeAll(fds);
      throw e;
    }
  }

  /**
   * Fills {@code buf}, looping on short reads. The fds of the read that returns the first byte go
   * to {@code keep} (if given); any arriving later are closed: they belong to no message.
   *
   * @return false if the peer hung up before the first byte and {@code keep} is given (a hang-up
   *     between messages); with no {@code keep}, any hang-up is an EOFException
   */
  private boolean readFully(byte[] buf, List<OwnedFd> keep) throws IOException {
    int got = 0;
    while (got < buf.length) {
      int n = in.read(buf, got, buf.length - got);
      List<OwnedFd> arrived = ReceivedFds.take(socket);
      if (got == 0 && keep != null) {
        keep.addAll(arrived);
      } else {
        ReceivedFds.closeAll(arrived);
      }
      if (n < 0) {
        if (got == 0 && keep != null) {
          return false;
        }
        throw new EOFException("peer hung up after " + got + " of " + buf.length + " bytes");
      }
      got += n;
    }
    return true;
  }
}
