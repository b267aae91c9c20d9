// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * The host sockets the vsock device talks to: AF_UNIX streams (hybrid vsock) and AF_VSOCK streams
 * (forwarding), all non-blocking and close-on-exec. Every failure is a {@link NativeException}
 * naming the call. The core's {@code org.vhostdevice.sys.Native} is package-private, so this
 * module links the few socket calls it needs itself, in the same style.
 */
public final class HostSockets {
  public static final int AF_UNIX = 1;
  public static final int AF_VSOCK = 40;
  public static final int SHUT_RD = 0;
  public static final int SHUT_WR = 1;
  public static final int SHUT_RDWR = 2;
  /** VMADDR_CID_ANY: listen on every CID of this host. */
  public static final int VMADDR_CID_ANY = -1;
  public static final int EINPROGRESS = 115;
  public static final int ECONNREFUSED = 111;

  private static final int SOCK_STREAM = 1;
  private static final int SOCK_NONBLOCK = 0x800;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int MSG_PEEK = 0x2;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_ERROR = 4;

  /** struct sockaddr_un: sa_family_t sun_family; char sun_path[108]. */
  static final int SOCKADDR_UN_SIZE = 110;
  static final int SUN_PATH = 2;
  static final int SUN_PATH_MAX = 108;
  /** struct sockaddr_vm: u16 family, u16 reserved, u32 port, u32 cid, u8 flags, u8 zero[3]. */
  static final int SOCKADDR_VM_SIZE = 16;
  static final int SVM_PORT = 4;
  static final int SVM_CID = 8;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final MethodHandle SOCKET =
      call("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle BIND =
      call("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle LISTEN =
      call("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle ACCEPT4 =
      call("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  private static final MethodHandle CONNECT =
      call("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SHUTDOWN =
      call("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SEND =
      call("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle RECV =
      call("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  /** send/recv with the buffer as a plain address: guest memory without a segment per call. */
  private static final MethodHandle SEND_AT =
      call("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
  private static final MethodHandle RECV_AT =
      call("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
  private static final MethodHandle GETSOCKOPT =
      call("getsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

  /** Per-thread scratch: errno capture, a socket address, an int and its length. */
  private static final class Scratch {
    final MemorySegment capture;
    final MemorySegment addr;
    final MemorySegment len;
    final MemorySegment value;

    Scratch() {
      Arena arena = Arena.ofAuto();
      capture = arena.allocate(CAPTURE);
      addr = arena.allocate(SOCKADDR_UN_SIZE, 8);
      len = arena.allocate(JAVA_INT);
      value = arena.allocate(JAVA_INT);
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private HostSockets() {}

  private static MethodHandle call(String name, FunctionDescriptor fd) {
    MemorySegment symbol =
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
  }

  private static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  private static AssertionError unexpected(Throwable t) {
    return new AssertionError("native downcall failed unexpectedly", t);
  }

  private static int check(int rc, MemorySegment capture, String what) throws NativeException {
    if (rc < 0) {
      throw new NativeException(what, errno(capture));
    }
    return rc;
  }

  private static OwnedFd socket(int family, String what) throws NativeException {
    MemorySegment capture = SCRATCH.get().capture;
    int rc;
    try {
      rc = (int) SOCKET.invokeExact(capture, family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    return new OwnedFd(check(rc, capture, what));
  }

  /** Fills the scratch address with a sockaddr_un for {@code path}; returns its length. */
  private static int unixAddress(MemorySegment addr, Path path) throws NativeException {
    byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= SUN_PATH_MAX) {
      throw new NativeException("sockaddr_un(" + path + ": longer than 107 bytes)", 36);
    }
    addr.fill((byte) 0);
    addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(bytes, 0, addr, JAVA_BYTE, SUN_PATH, bytes.length);
    return SUN_PATH + bytes.length + 1;
  }

  private static int vsockAddress(MemorySegment addr, int cid, int port) {
    addr.fill((byte) 0);
    addr.set(JAVA_SHORT, 0, (short) AF_VSOCK);
    addr.set(JAVA_INT, SVM_PORT, port);
    addr.set(JAVA_INT, SVM_CID, cid);
    return SOCKADDR_VM_SIZE;
  }

  private static void bindAndListen(OwnedFd fd, MemorySegment addr, int len, String what)
      throws NativeException {
    MemorySegment capture = SCRATCH.get().capture;
    int rc;
    try {
      rc = (int) BIND.invokeExact(capture, fd.fd(), addr, len);
      check(rc, capture, "bind(" + what + ")");
      rc = (int) LISTEN.invokeExact(capture, fd.fd(), 128);
      check(rc, capture, "listen(" + what + ")");
    } catch (NativeException e) {
      fd.close();
      throw e;
    } catch (Throwable t) {
      fd.close();
      throw unexpected(t);
    }
  }

  /** A listening AF_UNIX socket at {@code path} (the caller removes a stale file first). */
  public static OwnedFd listenUnix(Path path) throws NativeException {
    OwnedFd fd = socket(AF_UNIX, "socket(AF_UNIX)");
    MemorySegment addr = SCRATCH.get().addr;
    int len;
    try {
      len = unixAddress(addr, path);
    } catch (NativeException e) {
      fd.close();
      throw e;
    }
    bindAndListen(fd, addr, len, path.toString());
    return fd;
  }

  /** A listening AF_VSOCK socket on {@code port} of every local CID. */
  public static OwnedFd listenVsock(int port) throws NativeException {
    OwnedFd fd = socket(AF_VSOCK, "socket(AF_VSOCK)");
    MemorySegment addr = SCRATCH.get().addr;
    int len = vsockAddress(addr, VMADDR_CID_ANY, port);
    bindAndListen(fd, addr, len, "vsock port " + Integer.toUnsignedString(port));
    return fd;
  }

  /**
   * Accepts one pending connection (non-blocking, close-on-exec); null when none is pending. For
   * AF_VSOCK listeners {@code peerPort} (if not null) receives the connecting peer's port.
   */
  public static OwnedFd accept(int listener, int[] peerPort) throws NativeException {
    Scratch s = SCRATCH.get();
    s.len.set(JAVA_INT, 0, SOCKADDR_UN_SIZE);
    s.addr.fill((byte) 0);
    int rc;
    try {
      rc = (int) ACCEPT4.invokeExact(s.capture, listener, s.addr, s.len,
          SOCK_NONBLOCK | SOCK_CLOEXEC);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    if (rc < 0) {
      int errno = errno(s.capture);
      if (errno == Errno.EAGAIN || errno == Errno.EINTR || errno == 103 /* ECONNABORTED */) {
        return null;
      }
      throw new NativeException("accept4", errno);
    }
    if (peerPort != null && s.addr.get(JAVA_SHORT, 0) == AF_VSOCK) {
      peerPort[0] = s.addr.get(JAVA_INT, SVM_PORT);
    }
    return new OwnedFd(rc);
  }

  /**
   * Result of a non-blocking connect: the socket, whether it is still in progress (AF_VSOCK; the
   * socket becomes writable when it is done) and whether the listener's backlog was full
   * (AF_UNIX answers EAGAIN and keeps nothing in progress: the caller tries {@link
   * #retryConnectUnix} again later, as a blocking connect would have waited).
   */
  public record Connecting(OwnedFd fd, boolean inProgress, boolean backlogFull) {}

  /** Starts connecting to the AF_UNIX socket at {@code path}. */
  public static Connecting connectUnix(Path path) throws NativeException {
    OwnedFd fd = socket(AF_UNIX, "socket(AF_UNIX)");
    try {
      MemorySegment addr = SCRATCH.get().addr;
      return connect(fd, addr, unixAddress(addr, path), "connect(" + path + ")");
    } catch (NativeException e) {
      fd.close();
      throw e;
    }
  }

  /** Tries again to connect {@code fd} (after {@code backlogFull}); true once connected. */
  public static boolean retryConnectUnix(OwnedFd fd, Path path) throws NativeException {
    MemorySegment addr = SCRATCH.get().addr;
    Connecting c = connect(fd, addr, unixAddress(addr, path), "connect(" + path + ")");
    return !c.backlogFull();
  }

  /** Starts connecting to AF_VSOCK (cid, port). */
  public static Connecting connectVsock(int cid, int port) throws NativeException {
    OwnedFd fd = socket(AF_VSOCK, "socket(AF_VSOCK)");
    try {
      MemorySegment addr = SCRATCH.get().addr;
      return connect(fd, addr, vsockAddress(addr, cid, port),
          "connect(vsock " + Integer.toUnsignedString(cid) + ":" + Integer.toUnsignedString(port)
              + ")");
    } catch (NativeException e) {
      fd.close();
      throw e;
    }
  }

  private static Connecting connect(OwnedFd fd, MemorySegment addr, int len, String what)
      throws NativeException {
    MemorySegment capture = SCRATCH.get().capture;
    while (true) {
      int rc;
      try {
        rc = (int) CONNECT.invokeExact(capture, fd.fd(), addr, len);
      } catch (Throwable t) {
        throw unexpected(t);
      }
      if (rc == 0) {
        return new Connecting(fd, false, false);
      }
      int errno = errno(capture);
      if (errno == Errno.EINTR) {
        // The connect continues in the background; treat it like EINPROGRESS.
        return new Connecting(fd, true, false);
      }
      if (errno == EINPROGRESS) {
        return new Connecting(fd, true, false);
      }
      if (errno == Errno.EAGAIN) {
        return new Connecting(fd, false, true);
      }
      throw new NativeException(what, errno);
    }
  }

  /** The pending error of a socket (SO_ERROR), 0 if none; reading it clears it. */
  public static int pendingError(int fd) throws NativeException {
    Scratch s = SCRATCH.get();
    s.len.set(JAVA_INT, 0, 4);
    int rc;
    try {
      rc = (int) GETSOCKOPT.invokeExact(s.capture, fd, SOL_SOCKET, SO_ERROR, s.value, s.len);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    check(rc, s.capture, "getsockopt(SO_ERROR)");
    return s.value.get(JAVA_INT, 0);
  }

  public static void shutdown(int fd, int how) throws NativeException {
    MemorySegment capture = SCRATCH.get().capture;
    int rc;
    try {
      rc = (int) SHUTDOWN.invokeExact(capture, fd, how);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    check(rc, capture, "shutdown");
  }

  /**
   * Sends up to {@code length} bytes from {@code src} without raising SIGPIPE; -1 when the socket
   * buffer is full (EAGAIN). A reset or closed peer throws (EPIPE, ECONNRESET).
   */
  public static long send(int fd, MemorySegment src, long length) throws NativeException {
    MemorySegment capture = SCRATCH.get().capture;
    while (true) {
      long n;
      try {
        n = (long) SEND.invokeExact(capture, fd, src, length, MSG_NOSIGNAL);
      } catch (Throwable t) {
        throw unexpected(t);
      }
      if (n >= 0) {
        return n;
      }
      int errno = errno(capture);
      if (errno == Errno.EINTR) {
        continue;
      }
      if (errno == Errno.EAGAIN) {
        return -1;
      }
      throw new NativeException("send", errno);
    }
  }

  /**
   * As {@link #send}, from the host address {@code address} (guest memory the caller has
   * bounds-checked: {@code length} bytes there belong to one mapped region).
   */
  public static long sendAt(int fd, long address, long length) throws NativeException {
    MemorySegment capture = SCRATCH.get().capture;
    while (true) {
      long n;
      try {
        n = (long) SEND_AT.invokeExact(capture, fd, address, length, MSG_NOSIGNAL);
      } catch (Throwable t) {
        throw unexpected(t);
      }
      if (n >= 0) {
        return n;
      }
      int errno = errno(capture);
      if (errno == Errno.EINTR) {
        continue;
      }
      if (errno == Errno.EAGAIN) {
        return -1;
      }
      throw new NativeException("send", errno);
    }
  }

  /** As {@link #recv}, into the host address {@code address} (see {@link #sendAt}). */
  public static long recvAt(int fd, long address, long length) throws NativeException {
    MemorySegment capture = SCRATCH.get().capture;
    while (true) {
      long n;
      try {
        n = (long) RECV_AT.invokeExact(capture, fd, address, length, 0);
      } catch (Throwable t) {
        throw unexpected(t);
      }
      if (n >= 0) {
        return n;
      }
      int errno = errno(capture);
      if (errno == Errno.EINTR) {
        continue;
      }
      if (errno == Errno.EAGAIN) {
        return -1;
      }
      throw new NativeException("recv", errno);
    }
  }

  /** Receives up to {@code length} bytes; -1 when nothing is there yet (EAGAIN), 0 at EOF. */
  public static long recv(int fd, MemorySegment dst, long length) throws NativeException {
    return recv(fd, dst, length, 0);
  }

  /** Like {@link #recv} but leaves the bytes in the socket (MSG_PEEK). */
  public static long peek(int fd, MemorySegment dst, long length) throws NativeException {
    return recv(fd, dst, length, MSG_PEEK);
  }

  private static long recv(int fd, MemorySegment dst, long length, int flags)
      throws NativeException {
    MemorySegment capture = SCRATCH.get().capture;
    while (true) {
      long n;
      try {
        n = (long) RECV.invokeExact(capture, fd, dst, length, flags);
      } catch (Throwable t) {
        throw unexpected(t);
      }
      if (n >= 0) {
        return n;
      }
      int errno = errno(capture);
      if (errno == Errno.EINTR) {
        continue;
      }
      if (errno == Errno.EAGAIN) {
        return -1;
      }
      throw new NativeException("recv", errno);
    }
  }
}
