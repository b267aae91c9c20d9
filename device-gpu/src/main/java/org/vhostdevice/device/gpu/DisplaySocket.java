// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * The native boundary of the display socket: poll, send and recv on the stream socket QEMU hands
 * over with VHOST_USER_GPU_SET_SOCKET. Every transfer has a deadline, so a display peer that stops
 * reading or never answers costs the device a bounded wait (a {@link DisplayTimeoutException})
 * instead of a wedged control queue. No fds travel on this socket for the 2D protocol.
 *
 * <p>Not thread-safe: the device's worker thread is the only user. {@link #close()} may come from
 * another thread; the fd number is then never used again.
 */
final class DisplaySocket implements AutoCloseable {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
  private static final MethodHandle POLL = call("poll",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle SEND = call("send",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle RECV = call("recv",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

  // struct pollfd {int fd; short events; short revents;}
  private static final int POLLFD_SIZE = 8;
  private static final int POLL_FD = 0;
  private static final int POLL_EVENTS = 4;
  private static final int POLL_REVENTS = 6;
  private static final short POLLIN = 0x1;
  private static final short POLLOUT = 0x4;
  private static final int MSG_DONTWAIT = 0x40;
  private static final int MSG_NOSIGNAL = 0x4000;
  /** Bytes moved per system call; the socket buffer is usually smaller anyway. */
  static final int CHUNK = 64 * 1024;

  private final OwnedFd fd;
  // Freed by the GC with this object: close() may race a worker still inside poll().
  private final Arena arena = Arena.ofAuto();
  private final MemorySegment capture = arena.allocate(CAPTURE);
  private final MemorySegment pollfd = arena.allocate(POLLFD_SIZE, 8);
  private final MemorySegment buffer = arena.allocate(CHUNK, 8);
  private final Object closeLock = new Object();
  private boolean closed;

  DisplaySocket(OwnedFd fd) {
    this.fd = fd;
  }

  private static MethodHandle call(String name, FunctionDescriptor d) {
    MemorySegment symbol = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, d, CAPTURE_ERRNO);
  }

  /** Sends {@code len} bytes of {@code src} from {@code off}, all of them, before {@code deadline}. */
  void sendFully(byte[] src, int off, int len, long deadline) throws IOException {
    int done = 0;
    while (done < len) {
      int n = Math.min(CHUNK, len - done);
      MemorySegment.copy(src, off + done, buffer, JAVA_BYTE_LAYOUT, 0, n);
      int sent = 0;
      while (sent < n) {
        awaitReady(POLLOUT, deadline, "send");
        long rc = send(buffer.asSlice(sent), n - sent);
        if (rc >= 0) {
          sent += (int) rc;
        }
      }
      done += n;
    }
  }

  /** Fills {@code dst[off, off+len)} from the socket before {@code deadline}. */
  void receiveFully(byte[] dst, int off, int len, long deadline) throws IOException {
    int done = 0;
    while (done < len) {
      awaitReady(POLLIN, deadline, "recv");
      long rc = recv(Math.min(CHUNK, len - done));
      if (rc == 0) {
        throw new EOFException("the display peer closed the socket");
      }
      if (rc > 0) {
        MemorySegment.copy(buffer, JAVA_BYTE_LAYOUT, 0, dst, off + done, (int) rc);
        done += (int) rc;
      }
    }
  }

  private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_LAYOUT =
      java.lang.foreign.ValueLayout.JAVA_BYTE;

  private long send(MemorySegment src, long n) throws IOException {
    long rc;
    synchronized (closeLock) {
      checkOpen();
      try {
        rc = (long) SEND.invokeExact(capture, fd.fd(), src, n, MSG_DONTWAIT | MSG_NOSIGNAL);
      } catch (Throwable t) {
        throw new AssertionError("send downcall failed", t);
      }
    }
    return checked(rc, "send");
  }

  private long recv(long n) throws IOException {
    long rc;
    synchronized (closeLock) {
      checkOpen();
      try {
        rc = (long) RECV.invokeExact(capture, fd.fd(), buffer, n, MSG_DONTWAIT);
      } catch (Throwable t) {
        throw new AssertionError("recv downcall failed", t);
      }
    }
    return checked(rc, "recv");
  }

  /** -1 for "try again", the count otherwise; other failures become a NativeException. */
  private long checked(long rc, String name) throws NativeException {
    if (rc >= 0) {
      return rc;
    }
    int errno = (int) ERRNO.get(capture, 0L);
    if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
      return -1;
    }
    throw new NativeException(name + "(display socket)", errno);
  }

  private void awaitReady(short events, long deadline, String what) throws IOException {
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new DisplayTimeoutException("the display peer did not " + (events == POLLIN
            ? "answer" : "take the message") + " in time (" + what + ")");
      }
      int rc;
      synchronized (closeLock) {
        checkOpen();
        pollfd.set(JAVA_INT, POLL_FD, fd.fd());
        pollfd.set(JAVA_SHORT, POLL_EVENTS, events);
        pollfd.set(JAVA_SHORT, POLL_REVENTS, (short) 0);
      }
      // Poll outside the lock so close() is never held up for long; at worst poll sees a
      // closed fd (POLLNVAL) and the next call reports the socket closed.
      int millis = (int) Math.max(1, Math.min(left / 1_000_000L, 1000));
      try {
        rc = (int) POLL.invokeExact(capture, pollfd, 1L, millis);
      } catch (Throwable t) {
        throw new AssertionError("poll downcall failed", t);
      }
      if (rc < 0) {
        int errno = (int) ERRNO.get(capture, 0L);
        if (errno != Errno.EINTR) {
          throw new NativeException("poll(display socket)", errno);
        }
      } else if (rc > 0) {
        // Readable, writable, or an error/hangup that the following call reports precisely.
        return;
      }
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new EOFException("the display socket is closed");
    }
  }

  boolean isClosed() {
    synchronized (closeLock) {
      return closed;
    }
  }

  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
      fd.close();
    }
    // The native buffers go with this object (Arena.ofAuto): a worker may still be in poll().
  }
}
