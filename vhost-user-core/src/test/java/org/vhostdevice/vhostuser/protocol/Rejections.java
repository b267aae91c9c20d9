// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/** Feeds a payload decoder a bad message and checks it is refused with every fd closed. */
final class Rejections {
  private Rejections() {}

  static void assertRejected(GoldenWire.Decoder<?> decoder, FrontendRequest request,
      byte[] payload, int fdCount) throws NativeException {
    List<OwnedFd> fds = TestFds.fresh(fdCount);
    int[] numbers = fds.stream().mapToInt(OwnedFd::fd).toArray();
    Message m = new Message(request.code(), Header.VERSION, payload, fds);
    assertThrows(ProtocolException.class, () -> decoder.decode(m));
    for (int i = 0; i < fdCount; i++) {
      assertTrue(fds.get(i).isClosed(), "fd " + i + " released");
      assertFalse(Fds.isOpen(numbers[i]), "fd " + numbers[i] + " closed");
    }
  }

  /** {@code bytes} with the u32 at {@code offset} replaced. */
  static byte[] withU32(byte[] bytes, int offset, int value) {
    byte[] copy = bytes.clone();
    ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
    return copy;
  }
}
