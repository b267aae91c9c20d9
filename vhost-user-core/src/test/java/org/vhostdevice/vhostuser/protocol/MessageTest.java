// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ReadOnlyBufferException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

class MessageTest {
  private static final byte[] U64_ONE = {1, 0, 0, 0, 0, 0, 0, 0};

  @Test
  void payloadIsLittleEndian() {
    Message m = new Message(2, Header.VERSION, U64_ONE, List.of());
    assertEquals(1L, m.payload().getLong(0));
  }

  @Test
  void payloadViewIsReadOnly() {
    Message m = new Message(2, Header.VERSION, U64_ONE, List.of());
    assertThrows(ReadOnlyBufferException.class, () -> m.payload().put(0, (byte) 9));
  }

  @Test
  void payloadIsCopiedInAndOut() {
    byte[] bytes = U64_ONE.clone();
    Message m = new Message(2, Header.VERSION, bytes, List.of());
    bytes[0] = 7;
    m.payloadBytes()[0] = 8;
    assertArrayEquals(U64_ONE, m.payloadBytes());
  }

  @Test
  void needsReplyFollowsTheNeedReplyBit() {
    assertTrue(new Message(3, 0x9, null, null).needsReply());
    assertFalse(new Message(3, 0x1, null, null).needsReply());
  }

  @Test
  void unknownCodeHasNoRequest() {
    assertNull(new Message(99, 1, null, null).request());
    assertEquals(FrontendRequest.SET_OWNER, new Message(3, 1, null, null).request());
  }

  @Test
  void takenFdSurvivesClose() throws NativeException {
    OwnedFd fd = TestFds.fresh();
    Message m = new Message(13, 1, U64_ONE, List.of(fd));
    OwnedFd taken = m.takeFd(0);
    m.close();
    assertSame(fd, taken);
    assertTrue(Fds.isOpen(taken.fd()));
    taken.close();
  }

  @Test
  void closeClosesFdsNotTaken() throws NativeException {
    List<OwnedFd> fds = TestFds.fresh(2);
    int second = fds.get(1).fd();
    Message m = new Message(5, 1, null, fds);
    OwnedFd first = m.takeFd(0);
    m.close();
    assertTrue(fds.get(1).isClosed());
    assertFalse(Fds.isOpen(second));
    first.close();
  }

  @Test
  void fdCannotBeTakenTwice() throws NativeException {
    Message m = new Message(13, 1, U64_ONE, List.of(TestFds.fresh()));
    m.takeFd(0).close();
    assertThrows(IllegalStateException.class, () -> m.takeFd(0));
    assertEquals(1, m.fdCount());
  }
}
