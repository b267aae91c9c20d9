// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The native boundary: real syscalls, errno turned into exceptions that name the call. */
class SysTest {
  @Test
  void eventfdCountsAndResets() throws Exception {
    try (EventFd e = EventFd.create()) {
      assertEquals(0, e.read(), "non-blocking: empty reads 0");
      e.write(3);
      e.signal();
      assertEquals(4, e.read());
      assertEquals(0, e.read());
    }
  }

  @Test
  void epollIsLevelTriggeredAndCarriesTokens() throws Exception {
    try (Epoll ep = Epoll.create(4); EventFd a = EventFd.create(); EventFd b = EventFd.create()) {
      ep.add(a.fd(), Epoll.EPOLLIN, 7);
      ep.add(b.fd(), Epoll.EPOLLIN, Long.MAX_VALUE);
      assertEquals(0, ep.await(0));
      b.signal();
      assertEquals(1, ep.await(1000));
      assertEquals(Long.MAX_VALUE, ep.token(0));
      assertTrue((ep.events(0) & Epoll.EPOLLIN) != 0);
      assertEquals(1, ep.await(0), "still readable: level-triggered");
      b.read();
      ep.remove(b.fd());
      ep.remove(b.fd()); // not watched any more: not an error
      a.signal();
      assertEquals(1, ep.await(1000));
      assertEquals(7, ep.token(0));
    }
  }

  @Test
  void failuresNameTheCallAndTheErrno() throws Exception {
    try (Epoll ep = Epoll.create(1)) {
      NativeException e = assertThrows(NativeException.class, () -> ep.add(999_999, Epoll.EPOLLIN, 0));
      assertEquals("epoll_ctl(ADD)", e.call());
      assertEquals(Errno.EBADF, e.errno());
      assertTrue(e.getMessage().contains("EBADF"), e.getMessage());
    }
    assertThrows(NativeException.class, () -> Fds.close(999_999));
  }

  @Test
  void memfdHasItsSizeAndOwnedFdClosesOnce() throws Exception {
    OwnedFd fd = Memfd.create("t", 12345);
    int n = fd.fd();
    assertEquals(12345, Mman.regularFileSize(n));
    assertTrue(Fds.isOpen(n));
    fd.close();
    fd.close();
    assertTrue(fd.isClosed());
    assertFalse(Fds.isOpen(n));
  }

  @Test
  void releaseHandsOwnershipOver() throws Exception {
    OwnedFd fd = Memfd.create("t", 1);
    int n = fd.release();
    fd.close();
    assertTrue(Fds.isOpen(n), "a released fd is not closed by its old owner");
    Fds.close(n);
  }

  @Test
  void eventfdIsNeitherARegularFileNorASocket() throws Exception {
    try (EventFd e = EventFd.create()) {
      assertEquals(-1, Mman.regularFileSize(e.fd()));
      NativeException notSocket =
          assertThrows(NativeException.class, () -> Sockets.isUnixStream(e.fd()));
      assertEquals(Errno.ENOTSOCK, notSocket.errno());
    }
  }

  @Test
  void dupAndCloseOnExec() throws Exception {
    try (EventFd e = EventFd.create()) {
      int d = Fds.dup(e.fd());
      Fds.setCloseOnExec(d);
      Fds.setNonBlocking(d, true);
      Fds.close(d);
      assertFalse(Fds.isOpen(d));
    }
  }

  @Test
  void kindNamesWhatAnFdIs() throws Exception {
    OwnedFd[] pair = Sockets.socketPair();
    try (EventFd e = EventFd.create(); TimerFd t = TimerFd.create();
        OwnedFd a = pair[0]; OwnedFd b = pair[1]) {
      assertEquals(EventFd.KIND, Fds.kind(e.fd()));
      assertTrue(EventFd.isEventFd(e.fd()));
      assertFalse(EventFd.isEventFd(t.fd()), Fds.kind(t.fd()));
      assertTrue(Fds.kind(a.fd()).startsWith("socket:"), Fds.kind(a.fd()));
      assertFalse(EventFd.isEventFd(a.fd()));
    }
    assertThrows(NativeException.class, () -> Fds.kind(999_999));
  }

  @Test
  void fdinfoLinesAreFoundByKey() throws Exception {
    try (EventFd e = EventFd.create()) {
      e.write(5);
      assertEquals("5", Fds.info(e.fd(), "eventfd-count"));
      assertEquals(null, Fds.info(e.fd(), "no-such-key"));
      assertFalse(EventFd.isSemaphore(e.fd()), "EventFd.create makes counting eventfds");
    }
  }

  @Test
  void nonBlockingFlagIsReported() throws Exception {
    try (EventFd e = EventFd.create()) {
      assertTrue(Fds.isNonBlocking(e.fd()));
      Fds.setNonBlocking(e.fd(), false);
      assertFalse(Fds.isNonBlocking(e.fd()));
    }
  }

  @Test
  void receiveTimeoutEndsABlockingRead() throws Exception {
    OwnedFd[] pair = Sockets.socketPair();
    try (OwnedFd a = pair[0]; OwnedFd b = pair[1]; java.lang.foreign.Arena arena =
        java.lang.foreign.Arena.ofConfined()) {
      Sockets.setReceiveTimeout(a.fd(), 50_000);
      long start = System.nanoTime();
      // The socket is blocking: without the timeout this read would never return.
      assertEquals(-1, Fds.read(a.fd(), arena.allocate(8), 8), "EAGAIN after the timeout");
      assertTrue(System.nanoTime() - start >= 40_000_000L);
      Sockets.setReceiveTimeout(a.fd(), 0);
      Sockets.setSendTimeout(a.fd(), 50_000);
      assertThrows(IllegalArgumentException.class, () -> Sockets.setSendTimeout(a.fd(), -1));
    }
    assertThrows(NativeException.class, () -> Sockets.setSendTimeout(999_999, 1));
  }

  @Test
  void errnoNamesAreReadable() {
    assertEquals("EAGAIN (11)", Errno.describe(Errno.EAGAIN));
    assertEquals("errno (999)", Errno.describe(999));
  }
}
