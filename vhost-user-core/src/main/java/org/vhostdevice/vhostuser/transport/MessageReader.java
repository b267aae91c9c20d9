// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.newsclub.net.unix.AFUNIXSocket;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;

/**
 * Reads one message at a time, header first (core.md §1.4). The kernel hands over a message's fds
 * with the first read that touches its bytes, so a read that crossed into the next message would
 * steal that message's fds: hence exactly 12 header bytes, then exactly {@code size} payload
 * bytes, keeping only the fds of the read that returned the first header byte.
 *
 * <p>Waiting for the first byte of a message has no bound: a frontend may stay idle for days. Once
 * that byte is in, the rest must follow within the message timeout, or the read fails with {@link
 * PeerStalledException}; otherwise a peer that stops mid-message would hold the session (and with
 * it the socket's only serving thread) for ever. The bound is SO_RCVTIMEO, set only while a
 * message is incomplete and nothing more is queued, so a message that arrives whole (QEMU sends
 * each in one sendmsg) costs no extra system call beyond one FIONREAD for a payload.
 */
final class MessageReader {
  private static final long NANOS_PER_MICRO = 1_000;

  private final AFUNIXSocket socket;
  private final InputStream in;
  private final int fd;
  private final LongSupplier timeoutMillis;
  /** When the message being read must be complete (System.nanoTime), valid while started. */
  private long deadline;
  /** Bytes of the current message received so far, for the stall message. */
  private long received;
  /** True while SO_RCVTIMEO is set on the socket and must be cleared again. */
  private boolean armed;

  MessageReader(AFUNIXSocket socket, int fd, LongSupplier timeoutMillis) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.fd = fd;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * The next message, or null if the peer hung up cleanly between messages.
   *
   * @throws org.vhostdevice.vhostuser.protocol.ProtocolException if the header is malformed
   * @throws EOFException if the peer hung up in the middle of a message
   * @throws PeerStalledException if the peer started a message and did not finish it in time
   */
  Message read() throws IOException {
    List<OwnedFd> fds = new ArrayList<>();
    received = 0;
    Message m;
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
      m = new Message(code, flags, payload, fds);
    } catch (IOException | RuntimeException e) {
      ReceivedFds.closeAll(fds);
      try {
        disarm();
      } catch (NativeException ignored) {
        // the connection is failing anyway; the first error is the one to report
      }
      throw e;
    }
    try {
      // The next message's first byte may take as long as the frontend likes.
      disarm();
    } catch (NativeException e) {
      m.close();
      throw e;
    }
    return m;
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
      if (received > 0) {
        bound(buf.length - got);
      }
      int n;
      try {
        n = in.read(buf, got, buf.length - got);
      } catch (SocketTimeoutException e) {
        throw stalled();
      }
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
      if (received == 0 && n > 0) {
        // The message has started: from now on its remainder is on the clock.
        deadline = System.nanoTime() + timeoutMillis.getAsLong() * 1_000_000;
      }
      got += n;
      received += n;
    }
    return true;
  }

  /**
   * Before a read that continues a started message: if fewer than {@code needed} bytes are
   * queued, the read may block, so it gets what is left of the message's time.
   */
  private void bound(int needed) throws IOException {
    if (in.available() >= needed) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw stalled();
    }
    // At least 1 us: 0 would mean "no timeout".
    Sockets.setReceiveTimeout(fd, Math.max(1, left / NANOS_PER_MICRO));
    armed = true;
  }

  private void disarm() throws NativeException {
    if (armed) {
      armed = false;
      Sockets.setReceiveTimeout(fd, 0);
    }
  }

  private PeerStalledException stalled() {
    return new PeerStalledException(String.format(
        "the peer sent %d byte(s) of a message and not the rest within %d ms",
        received, timeoutMillis.getAsLong()));
  }
}
