// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;

/** The per-connection host-bound ring (Rust: LocalTxBuf tests). */
class TxBufferTest {
  private static MemorySegment seg(int... bytes) {
    MemorySegment s = Arena.ofAuto().allocate(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      s.set(JAVA_BYTE, i, (byte) bytes[i]);
    }
    return s;
  }

  @Test
  void aNewBufferIsEmpty() {
    TxBuffer b = new TxBuffer(8);
    assertTrue(b.isEmpty());
    assertEquals(0, b.size());
    assertEquals(8, b.free());
  }

  @Test
  void pushAddsToTheLength() {
    TxBuffer b = new TxBuffer(8);
    assertTrue(b.push(seg(1, 2, 3)));
    assertEquals(3, b.size());
    assertFalse(b.isEmpty());
    assertArrayEquals(new byte[] {1, 2, 3}, b.peekAll());
  }

  @Test
  void aPushThatDoesNotFitIsRefusedWhole() {
    TxBuffer b = new TxBuffer(4);
    assertTrue(b.push(seg(1, 2, 3)));
    assertFalse(b.push(seg(4, 5)));
    assertArrayEquals(new byte[] {1, 2, 3}, b.peekAll(), "nothing of the refused push is kept");
  }

  @Test
  void aPushThatWrapsKeepsTheBytesInOrder() throws Exception {
    // The seed's Rust copied the start of the data into the wrap area instead of its tail.
    OwnedFd[] pair = Sockets.socketPair();
    try {
      TxBuffer b = new TxBuffer(8);
      assertTrue(b.push(seg(1, 2, 3, 4, 5, 6)));
      MemorySegment sink = Arena.ofAuto().allocate(16);
      // Take 5 bytes out through a socket, then push 6 more that wrap around the end.
      assertEquals(6, b.flush(pair[0].fd()));
      Fds.read(pair[1].fd(), sink, 16);
      assertTrue(b.push(seg(10, 11, 12, 13, 14, 15)));
      assertArrayEquals(new byte[] {10, 11, 12, 13, 14, 15}, b.peekAll());
    } finally {
      pair[0].close();
      pair[1].close();
    }
  }

  @Test
  void flushWritesEverythingInOrderAcrossTheWrap() throws Exception {
    OwnedFd[] pair = Sockets.socketPair();
    try {
      TxBuffer b = new TxBuffer(8);
      b.push(seg(1, 2, 3, 4, 5, 6));
      MemorySegment sink = Arena.ofAuto().allocate(16);
      b.flush(pair[0].fd());
      Fds.read(pair[1].fd(), sink, 16);
      b.push(seg(7, 8, 9, 10, 11));
      assertEquals(5, b.flush(pair[0].fd()));
      assertTrue(b.isEmpty());
      long n = Fds.read(pair[1].fd(), sink, 16);
      assertEquals(5, n);
      assertArrayEquals(new byte[] {7, 8, 9, 10, 11}, sink.asSlice(0, 5).toArray(JAVA_BYTE));
    } finally {
      pair[0].close();
      pair[1].close();
    }
  }

  @Test
  void flushToAFullSocketKeepsTheBytes() throws Exception {
    OwnedFd[] pair = Sockets.socketPair();
    try {
      Fds.setNonBlocking(pair[0].fd(), true);
      MemorySegment big = Arena.ofAuto().allocate(1 << 16);
      while (org.vhostdevice.device.vsock.sys.HostSockets.send(pair[0].fd(), big, big.byteSize())
          > 0) {
        // fill the socket
      }
      TxBuffer b = new TxBuffer(8);
      b.push(seg(1, 2, 3));
      assertEquals(0, b.flush(pair[0].fd()));
      assertArrayEquals(new byte[] {1, 2, 3}, b.peekAll());
    } finally {
      pair[0].close();
      pair[1].close();
    }
  }
}
