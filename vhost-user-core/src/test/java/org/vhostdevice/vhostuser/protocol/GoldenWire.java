// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.HexFormat;
import org.vhostdevice.vhostuser.transport.Connection;
import org.vhostdevice.vhostuser.transport.RawPeer;

/**
 * Golden-byte checks through a real socket: what a {@link Connection} writes must be exactly the
 * hand-written bytes, and those bytes written raw must come out of {@link Connection#receive()}
 * as the expected message.
 */
final class GoldenWire implements AutoCloseable {
  private final RawPeer.Ends ends;

  GoldenWire() throws IOException {
    ends = RawPeer.open();
  }

  Connection connection() {
    return ends.connection();
  }

  /** Parses hex written with spaces between fields. */
  static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
  }

  /** Checks that the connection wrote exactly {@code hex} and {@code fdCount} fds, nothing more. */
  void assertWritten(String hex, int fdCount) throws IOException {
    byte[] expected = bytes(hex);
    RawPeer.Received got = ends.peer().read(expected.length);
    assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(got.bytes()));
    assertEquals(fdCount, got.fdCount(), "fds attached");
    assertEquals(0, ends.peer().available(), "bytes beyond the message");
  }

  /** Sends {@code payload} as a request and checks the wire bytes. */
  void assertSends(String hex, int code, int flags, byte[] payload, int... fds)
      throws IOException {
    connection().send(code, flags, payload, fds);
    assertWritten(hex, fds.length);
  }

  /** Writes {@code hex} raw with {@code fds} and receives it as a message. */
  Message receive(String hex, int... fds) throws IOException {
    ends.peer().write(bytes(hex), fds);
    return connection().receive();
  }

  /** Writes {@code hex} raw and receives it as the reply to {@code code}. */
  Message receiveReply(String hex, int code) throws IOException {
    ends.peer().write(bytes(hex));
    return connection().receiveReply(code);
  }

  /** A payload decoder such as {@code VringState::decode}. */
  interface Decoder<T> {
    T decode(Message m) throws ProtocolException;
  }

  /**
   * The full check for one request: encoding {@code expected} (plus header) gives {@code hex}, and
   * {@code hex} received, validated and decoded gives {@code expected} back, with its fds.
   */
  <T> void assertRequest(String hex, FrontendRequest request, int flags, T expected,
      byte[] encoded, Decoder<T> decoder, int... fds) throws IOException {
    assertSends(hex, request.code(), flags, encoded, fds);
    try (Message m = receive(hex, fds)) {
      assertEquals(request, RequestValidator.validate(m));
      assertEquals(flags, m.flags());
      assertEquals(fds.length, m.fdCount());
      assertEquals(expected, decoder.decode(m));
    }
  }

  /** The same for a request without payload. */
  void assertEmptyRequest(String hex, FrontendRequest request, int flags, int... fds)
      throws IOException {
    assertRequest(hex, request, flags, 0, new byte[0], Message::size, fds);
  }

  /** The same for a reply: sent with {@link Connection#sendReply}, read with receiveReply. */
  <T> void assertReply(String hex, FrontendRequest request, T expected, byte[] encoded,
      Decoder<T> decoder) throws IOException {
    connection().sendReply(request.code(), encoded);
    assertWritten(hex, 0);
    try (Message m = receiveReply(hex, request.code())) {
      assertEquals(expected, decoder.decode(m));
    }
  }

  @Override
  public void close() {
    ends.close();
  }
}
