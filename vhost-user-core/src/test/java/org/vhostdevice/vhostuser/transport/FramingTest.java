// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.ProtocolException;

/** Header-first reading and the framing checks, driven by raw bytes from the peer. */
class FramingTest {
  private static final int SET_FEATURES = 2;

  private RawPeer.Ends ends;

  @BeforeEach
  void open() throws IOException {
    ends = RawPeer.open();
  }

  @AfterEach
  void close() {
    ends.close();
  }

  private static byte[] message(int code, int flags, int size, byte[] payload) {
    byte[] header = Header.encode(code, flags, size);
    byte[] wire = Arrays.copyOf(header, header.length + payload.length);
    System.arraycopy(payload, 0, wire, header.length, payload.length);
    return wire;
  }

  /** Sends {@code wire} with one eventfd and expects a ProtocolException, leaking nothing. */
  private void assertRejected(byte[] wire) throws IOException {
    try (EventFd fd = EventFd.create()) {
      long before = OpenFds.count();
      ends.peer().write(wire, fd.fd());
      assertThrows(ProtocolException.class, () -> ends.connection().receive());
      assertEquals(before, OpenFds.count());
    }
  }

  @Test
  void rejectsPayloadLargerThan4096() throws IOException {
    assertRejected(Header.encode(SET_FEATURES, Header.VERSION, Header.MAX_PAYLOAD + 1));
  }

  @Test
  void rejectsSizeWithTheTopBitSet() throws IOException {
    assertRejected(Header.encode(SET_FEATURES, Header.VERSION, 0x8000_0008));
  }

  @Test
  void acceptsPayloadOfExactly4096() throws IOException {
    byte[] payload = new byte[Header.MAX_PAYLOAD];
    payload[4095] = 42;
    ends.peer().write(message(SET_FEATURES, Header.VERSION, payload.length, payload));
    try (Message m = ends.connection().receive()) {
      assertArrayEquals(payload, m.payloadBytes());
    }
  }

  @Test
  void rejectsVersionZero() throws IOException {
    assertRejected(message(SET_FEATURES, 0, 8, new byte[8]));
  }

  @Test
  void rejectsVersionTwo() throws IOException {
    assertRejected(message(SET_FEATURES, 0x2, 8, new byte[8]));
  }

  @Test
  void rejectsReservedFlagBits() throws IOException {
    assertRejected(message(SET_FEATURES, 0x11, 8, new byte[8]));
  }

  @Test
  void readsAHeaderThatArrivesInPieces() throws IOException {
    byte[] wire = message(SET_FEATURES, Header.VERSION, 8, new byte[] {7, 0, 0, 0, 0, 0, 0, 0});
    ends.peer().write(Arrays.copyOfRange(wire, 0, 5));
    ends.peer().write(Arrays.copyOfRange(wire, 5, 15));
    ends.peer().write(Arrays.copyOfRange(wire, 15, wire.length));
    try (Message m = ends.connection().receive()) {
      assertEquals(7, m.payload().getLong(0));
    }
  }

  @Test
  void keepsOnlyTheFdsOfTheFirstHeaderByte() throws IOException {
    byte[] wire = message(SET_FEATURES, Header.VERSION, 8, new byte[8]);
    try (EventFd first = EventFd.create(); EventFd late = EventFd.create()) {
      long before = OpenFds.count();
      ends.peer().write(Arrays.copyOfRange(wire, 0, 4), first.fd());
      ends.peer().write(Arrays.copyOfRange(wire, 4, 14), late.fd());
      ends.peer().write(Arrays.copyOfRange(wire, 14, wire.length), late.fd());
      try (Message m = ends.connection().receive(); EventFd got = EventFd.adopt(m.takeFd(0))) {
        assertEquals(1, m.fdCount());
        got.signal();
      }
      assertEquals(1, first.read());
      assertEquals(before, OpenFds.count());
    }
  }

  @Test
  void hangUpInsideTheHeaderIsEof() throws IOException {
    ends.peer().write(Arrays.copyOf(Header.encode(SET_FEATURES, Header.VERSION, 8), 6));
    ends.peer().close();
    assertThrows(EOFException.class, () -> ends.connection().receive());
  }

  @Test
  void hangUpInsideThePayloadIsEofAndClosesItsFds() throws IOException {
    try (EventFd fd = EventFd.create()) {
      long before = OpenFds.count();
      ends.peer().write(message(SET_FEATURES, Header.VERSION, 8, new byte[4]), fd.fd());
      ends.peer().close();
      assertThrows(EOFException.class, () -> ends.connection().receive());
      assertEquals(before - 1, OpenFds.count());
    }
  }
}
