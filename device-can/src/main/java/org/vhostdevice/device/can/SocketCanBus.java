// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

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
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * The native boundary of SocketCAN: one non-blocking {@code PF_CAN/SOCK_RAW/CAN_RAW} socket bound
 * to an interface (by {@code if_nametoindex}), with CAN FD frames enabled and bus-off error
 * frames subscribed. One socket sends and receives, so the guest does not get its own frames
 * back (the Rust daemon reads on a second socket and sees every frame it sends).
 */
public final class SocketCanBus implements CanBus {
  static final int PF_CAN = 29;
  static final int SOCK_RAW = 3;
  static final int SOCK_NONBLOCK = 0x800;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int CAN_RAW = 1;
  static final int SOL_CAN_RAW = 101;
  static final int CAN_RAW_ERR_FILTER = 2;
  static final int CAN_RAW_FD_FRAMES = 5;
  static final int SIOCGIFMTU = 0x8921;
  // struct sockaddr_can: u16 family, int ifindex at 4, 16-byte address union at 8
  static final int SOCKADDR_CAN_SIZE = 24;
  static final int SOCKADDR_FAMILY = 0;
  static final int SOCKADDR_IFINDEX = 4;
  // struct ifreq: char name[16], then the union (int ifr_mtu)
  static final int IFREQ_SIZE = 40;
  static final int IFNAMSIZ = 16;
  static final int IFREQ_MTU = 16;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle SOCKET =
      call("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1);
  private static final MethodHandle SETSOCKOPT = call("setsockopt",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
  private static final MethodHandle BIND =
      call("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
  private static final MethodHandle IF_NAMETOINDEX =
      call("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS), -1);
  private static final MethodHandle IOCTL =
      call("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);

  private final String name;
  private final OwnedFd fd;
  private final boolean fdCapable;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment txBuf = arena.allocate(CanFrame.CANFD_MTU, 8);
  private final MemorySegment rxBuf = arena.allocate(CanFrame.CANFD_MTU, 8);

  private SocketCanBus(String name, OwnedFd fd, boolean fdCapable) {
    this.name = name;
    this.fd = fd;
    this.fdCapable = fdCapable;
  }

  private static MethodHandle call(String fn, FunctionDescriptor d, int firstVariadic) {
    MemorySegment symbol = LINKER.defaultLookup().find(fn)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + fn));
    Linker.Option capture = Linker.Option.captureCallState("errno");
    return firstVariadic < 0 ? LINKER.downcallHandle(symbol, d, capture)
        : LINKER.downcallHandle(symbol, d, capture, Linker.Option.firstVariadicArg(firstVariadic));
  }

  /** Opens and binds a raw CAN socket on {@code ifname}; the interface must exist (and be up). */
  public static SocketCanBus open(String ifname) throws NativeException {
    if (ifname.isEmpty() || ifname.length() >= IFNAMSIZ) {
      throw new NativeException("if_nametoindex(" + ifname + ")", 19 /* ENODEV */);
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      int s = (int) invoke(() -> (int) SOCKET.invokeExact(capture, PF_CAN,
          SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW));
      check(s, capture, "socket(PF_CAN, SOCK_RAW, CAN_RAW)");
      OwnedFd owned = new OwnedFd(s);
      try {
        MemorySegment one = a.allocate(JAVA_INT);
        one.set(JAVA_INT, 0, 1);
        check((int) invoke(() -> (int) SETSOCKOPT.invokeExact(capture, s, SOL_CAN_RAW,
            CAN_RAW_FD_FRAMES, one, 4)), capture, "setsockopt(CAN_RAW_FD_FRAMES)");
        // Only bus-off error frames: they are what the virtio-can status reports.
        MemorySegment errMask = a.allocate(JAVA_INT);
        errMask.set(JAVA_INT, 0, CanFrame.CAN_ERR_BUSOFF);
        check((int) invoke(() -> (int) SETSOCKOPT.invokeExact(capture, s, SOL_CAN_RAW,
            CAN_RAW_ERR_FILTER, errMask, 4)), capture, "setsockopt(CAN_RAW_ERR_FILTER)");
        MemorySegment cname = a.allocateFrom(ifname);
        int index = (int) invoke(() -> (int) IF_NAMETOINDEX.invokeExact(capture, cname));
        if (index == 0) {
          throw new NativeException("if_nametoindex(" + ifname + ")", errno(capture));
        }
        MemorySegment addr = a.allocate(SOCKADDR_CAN_SIZE, 8);
        addr.set(JAVA_SHORT, SOCKADDR_FAMILY, (short) PF_CAN);
        addr.set(JAVA_INT, SOCKADDR_IFINDEX, index);
        check((int) invoke(() -> (int) BIND.invokeExact(capture, s, addr, SOCKADDR_CAN_SIZE)),
            capture, "bind(" + ifname + ")");
        MemorySegment ifr = a.allocate(IFREQ_SIZE, 8);
        MemorySegment.copy(cname, 0, ifr, 0, Math.min(cname.byteSize(), IFNAMSIZ));
        check((int) invoke(() -> (int) IOCTL.invokeExact(capture, s, (long) SIOCGIFMTU, ifr)),
            capture, "ioctl(" + ifname + ", SIOCGIFMTU)");
        boolean fd = ifr.get(JAVA_INT, IFREQ_MTU) >= CanFrame.CANFD_MTU;
        return new SocketCanBus(ifname, owned, fd);
      } catch (NativeException | RuntimeException e) {
        owned.close();
        throw e;
      }
    }
  }

  private interface Call {
    int run() throws Throwable;
  }

  private static long invoke(Call c) {
    try {
      return c.run();
    } catch (Throwable t) {
      throw new AssertionError("native downcall failed unexpectedly", t);
    }
  }

  private static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  private static void check(int rc, MemorySegment capture, String what) throws NativeException {
    if (rc < 0) {
      throw new NativeException(what, errno(capture));
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean fdCapable() {
    return fdCapable;
  }

  @Override
  public void send(CanFrame frame) throws CanSendException {
    int n = frame.encode(txBuf);
    try {
      long w = Fds.write(fd.fd(), txBuf, n);
      if (w < 0) {
        throw new CanSendException(name, Errno.EAGAIN);
      }
      if (w != n) {
        throw new CanSendException(name, Errno.EINVAL);
      }
    } catch (NativeException e) {
      throw new CanSendException(name, e.errno());
    }
  }

  @Override
  public boolean receive(CanFrame into) throws IOException {
    while (true) {
      long n = Fds.read(fd.fd(), rxBuf, CanFrame.CANFD_MTU);
      if (n <= 0) {
        return false;
      }
      if (into.decode(rxBuf, n)) {
        return true;
      }
      // Neither CAN_MTU nor CANFD_MTU (e.g. a CAN XL frame): not ours to deliver.
    }
  }

  @Override
  public int pollFd() {
    return fd.fd();
  }

  @Override
  public void close() {
    fd.close();
    arena.close();
  }
}
