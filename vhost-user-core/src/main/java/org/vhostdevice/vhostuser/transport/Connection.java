// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.FileDescriptorCast;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolException;

/**
 * One vhost-user socket: framed messages with their fds, in both directions (core.md §1.1-1.4).
 * Receiving reads header first (see {@link MessageReader}); sending writes header and payload in
 * one call so the fds ride on the first byte.
 *
 * <p>Threads: one thread receives; any number send, serialized by a lock. {@link #shutdown()} may
 * be called from any thread to end a blocked {@link #receive()}. {@link #close()} waits for a
 * receive or send in progress (the shutdown ends it at once), because junixsocket keeps using an
 * fd's number after closing a socket cast from it: a late read or write would otherwise reach
 * whatever reused the number.
 *
 * <p>Timeouts: waiting for a message to start is unbounded, but once its first byte is in, the
 * rest must arrive within the message timeout ({@link PeerStalledException}); a send that cannot
 * make progress for the send timeout, because the peer does not read, fails with {@link
 * PeerNotReadingException}. Both default to {@value #DEFAULT_MESSAGE_TIMEOUT_MILLIS} ms and can be
 * set with the system properties {@value #MESSAGE_TIMEOUT_PROPERTY} and {@value
 * #SEND_TIMEOUT_PROPERTY} (read when a connection is made) or per connection.
 */
public final class Connection implements AutoCloseable {
  /** Rust's receive buffer holds 32 fds; more than any request legitimately carries. */
  static final int MAX_FDS = 32;
  /** CMSG_SPACE(32 * sizeof(int)) on 64-bit Linux: a 16-byte cmsghdr plus the fd array. */
  static final int ANCILLARY_BUFFER_SIZE = 16 + MAX_FDS * Integer.BYTES;
  /** Time for the rest of a message once its first byte arrived. */
  public static final long DEFAULT_MESSAGE_TIMEOUT_MILLIS = 10_000;
  /** Time a send may make no progress because the peer does not read. */
  public static final long DEFAULT_SEND_TIMEOUT_MILLIS = 10_000;
  public static final String MESSAGE_TIMEOUT_PROPERTY = "vhostuser.messageTimeoutMillis";
  public static final String SEND_TIMEOUT_PROPERTY = "vhostuser.sendTimeoutMillis";
  /** A day: "for ever" in practice, and far from overflowing deadlines kept in nanoseconds. */
  private static final long MAX_TIMEOUT_MILLIS = 86_400_000L;

  private final AFUNIXSocket socket;
  /** The fd under {@link #socket} when we own it: junixsocket never closes a cast fd. */
  private final OwnedFd ownedFd;
  private final MessageReader reader;
  private final OutputStream out;
  /** The socket's descriptor number, for the socket options junixsocket does not set. */
  private final int fd;
  private volatile long messageTimeoutMillis;
  private volatile long sendTimeoutMillis;
  private final ReentrantLock receiveLock = new ReentrantLock();
  private final ReentrantLock sendLock = new ReentrantLock();
  private final Object lifecycle = new Object();
  private volatile boolean closed;

  private Connection(AFUNIXSocket socket, OwnedFd ownedFd) throws IOException {
    this.socket = socket;
    this.ownedFd = ownedFd;
    // junixsocket's default is 0 bytes, with which every received fd is silently dropped.
    socket.setAncillaryReceiveBufferSize(ANCILLARY_BUFFER_SIZE);
    if (socket.getAncillaryReceiveBufferSize() < ANCILLARY_BUFFER_SIZE) {
      throw new IOException("junixsocket gave an ancillary buffer of "
          + socket.getAncillaryReceiveBufferSize() + " bytes, need " + ANCILLARY_BUFFER_SIZE);
    }
    this.fd = FileDescriptorCast.using(socket.getFileDescriptor()).as(Integer.class);
    this.messageTimeoutMillis =
        checkTimeout(Long.getLong(MESSAGE_TIMEOUT_PROPERTY, DEFAULT_MESSAGE_TIMEOUT_MILLIS), 1);
    setSendTimeoutMillis(Long.getLong(SEND_TIMEOUT_PROPERTY, DEFAULT_SEND_TIMEOUT_MILLIS));
    this.reader = new MessageReader(socket, fd, () -> messageTimeoutMillis);
    this.out = socket.getOutputStream();
  }

  private static long checkTimeout(long millis, long min) {
    if (millis < min || millis > MAX_TIMEOUT_MILLIS) {
      throw new IllegalArgumentException(
          "timeout of " + millis + " ms is outside " + min + ".." + MAX_TIMEOUT_MILLIS);
    }
    return millis;
  }

  /** How long the rest of a started message may take to arrive (more than 0). */
  public void setMessageTimeoutMillis(long millis) {
    messageTimeoutMillis = checkTimeout(millis, 1);
  }

  /** How long a send may make no progress; 0 waits for ever (for test frontends). */
  public void setSendTimeoutMillis(long millis) throws IOException {
    Sockets.setSendTimeout(fd, checkTimeout(millis, 0) * 1_000);
    sendTimeoutMillis = millis;
  }

  /** Takes over a connected socket; closes it if it cannot be set up. */
  public static Connection of(AFUNIXSocket socket) throws IOException {
    try {
      return new Connection(socket, null);
    } catch (IOException | RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /**
   * Connects to a listening socket at {@code path}, retrying for about a second while the path
   * does not exist yet or nobody listens on it (a backend that is still starting).
   */
  public static Connection connect(Path path) throws IOException {
    return of(Connector.connect(path));
  }

  /**
   * Takes over a connected Unix stream socket given as an fd, such as the backend channel of
   * SET_BACKEND_REQ_FD. On success the connection owns {@code fd} and closes it; on failure the
   * caller still does.
   *
   * @throws ProtocolException if {@code fd} is not a Unix stream socket
   */
  public static Connection adopt(OwnedFd fd) throws IOException {
    try {
      if (!Sockets.isUnixStream(fd.fd())) {
        throw new ProtocolException(fd + " is not a Unix stream socket");
      }
    } catch (NativeException e) {
      throw new ProtocolException(fd + " is not a socket: " + e.getMessage(), e);
    }
    // A socket cast from an fd never closes that fd itself; the connection closes it.
    return new Connection(FileDescriptorCast.unsafeUsing(fd.fd()).as(AFUNIXSocket.class), fd);
  }

  /** Two connected ends of a socketpair, for tests and in-process frontends. */
  public static Connection[] pair() throws IOException {
    OwnedFd[] fds = SocketPair.open();
    Connection a;
    try {
      a = adopt(fds[0]);
    } catch (IOException | RuntimeException e) {
      fds[0].close();
      fds[1].close();
      throw e;
    }
    try {
      return new Connection[] {a, adopt(fds[1])};
    } catch (IOException | RuntimeException e) {
      a.close();
      fds[1].close();
      throw e;
    }
  }

  /**
   * The next message, or null if the peer hung up cleanly between messages.
   *
   * @throws ProtocolException if the header is malformed (its fds are closed)
   * @throws EOFException if the peer hung up in the middle of a message
   * @throws PeerStalledException if the peer began a message and did not finish it in time
   */
  public Message receive() throws IOException {
    receiveLock.lock();
    try {
      requireOpen();
      return reader.read();
    } finally {
      receiveLock.unlock();
    }
  }

  /**
   * Receives a reply on the frontend side: flags must be exactly REPLY | version 1 and the code
   * must echo the request, as QEMU insists.
   */
  public Message receiveReply(int expectedCode) throws IOException {
    Message m = receive();
    if (m == null) {
      throw new EOFException("peer hung up while a reply to request " + expectedCode + " was due");
    }
    if (m.flags() != Header.REPLY_FLAGS || m.code() != expectedCode) {
      m.close();
      throw new ProtocolException(String.format(
          "expected a reply to request %d with flags 0x%x, got request %d with flags 0x%x",
          expectedCode, Header.REPLY_FLAGS, m.code(), m.flags()));
    }
    return m;
  }

  /**
   * Sends one message. Nothing is validated, so test frontends can send malformed ones. The fds
   * stay open and owned by the caller: the kernel passes duplicates.
   *
   * @throws PeerNotReadingException if the peer did not read for the send timeout
   */
  public void send(int code, int flags, byte[] payload, int... fds) throws IOException {
    byte[] header = Header.encode(code, flags, payload.length);
    byte[] wire = new byte[header.length + payload.length];
    System.arraycopy(header, 0, wire, 0, header.length);
    System.arraycopy(payload, 0, wire, header.length, payload.length);
    sendRaw(wire, fds);
  }

  /** Sends a reply: the request's code with flags exactly 0x5 (never bits copied from it). */
  public void sendReply(int code, byte[] payload, int... fds) throws IOException {
    send(code, Header.REPLY_FLAGS, payload, fds);
  }

  /** Sends a REPLY_ACK reply: 0 for success, non-zero for failure. */
  public void sendAck(int code, long value) throws IOException {
    sendReply(code, Payloads.encodeU64(value));
  }

  /**
   * Writes {@code wire} as is, in one write, with {@code fds} attached to its first byte. For
   * test frontends that need bytes no well-formed message has (a lying size field, say).
   */
  public void sendRaw(byte[] wire, int... fds) throws IOException {
    FileDescriptor[] descriptors = new FileDescriptor[fds.length];
    for (int i = 0; i < fds.length; i++) {
      descriptors[i] = FileDescriptorCast.unsafeUsing(fds[i]).getFileDescriptor();
    }
    sendLock.lock();
    try {
      requireOpen();
      socket.setOutboundFileDescriptors(descriptors);
      out.write(wire);
    } catch (SocketTimeoutException e) {
      throw new PeerNotReadingException(String.format(
          "the peer read nothing for %d ms while a %d-byte message was being sent",
          sendTimeoutMillis, wire.length), e);
    } finally {
      // junixsocket drops them once sent; if the write failed first, they must not ride on the
      // next message.
      socket.setOutboundFileDescriptors((FileDescriptor[]) null);
      sendLock.unlock();
    }
  }

  /**
   * Shuts the socket down in both directions: a thread blocked in {@link #receive()} sees the end
   * of the stream, and the peer sees a hang-up. Closing alone would not wake a blocked recvmsg.
   */
  public void shutdown() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      // Through the channel: java.net.Socket refuses to shut down an accepted junixsocket socket.
      try {
        socket.getChannel().shutdownInput();
      } catch (IOException e) {
        // already shut down, or the peer is gone: either way reads now end
      }
      try {
        socket.getChannel().shutdownOutput();
      } catch (IOException e) {
        // idem for writes
      }
    }
  }

  /** Shuts down, waits for a receive and a send in progress to end, then frees the socket. */
  @Override
  public void close() {
    shutdown();
    receiveLock.lock();
    sendLock.lock();
    try {
      synchronized (lifecycle) {
        if (closed) {
          return;
        }
        closed = true;
        closeQuietly(socket);
        if (ownedFd != null) {
          ownedFd.close();
        }
      }
    } finally {
      sendLock.unlock();
      receiveLock.unlock();
    }
  }

  private void requireOpen() throws SocketException {
    if (closed) {
      throw new SocketException(this + " is closed");
    }
  }

  private static void closeQuietly(AFUNIXSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // the descriptor is released either way; nothing useful to report
    }
  }

  @Override
  public String toString() {
    return "vhost-user connection " + socket;
  }
}
