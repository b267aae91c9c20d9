// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.VringState;

/** The escape hatches for malformed traffic, against a real backend session. */
class RawTrafficTest {
  private SessionThread s;

  @BeforeEach
  void setUp() throws Exception {
    s = new SessionThread(new ReverseDevice());
  }

  @AfterEach
  void tearDown() throws Exception {
    s.close();
  }

  @Test
  void rawRequestsGetRawReplies() throws Exception {
    s.front.sendRaw(FrontendRequest.GET_FEATURES.code(), Header.VERSION, new byte[0]);
    try (Message m = s.front.receiveRaw()) {
      assertEquals(Header.REPLY_FLAGS, m.flags());
      assertEquals(VirtioDevice.COMMON_FEATURES, Payloads.decodeU64(m));
    }
  }

  @Test
  void aBadVersionClosesTheConnection() throws Exception {
    s.front.sendRaw(FrontendRequest.GET_FEATURES.code(), 2, new byte[0]);
    assertNull(s.front.receiveRaw());
    assertInstanceOf(ProtocolException.class, s.awaitEnd(5000));
  }

  @Test
  void aBadRequestIsAckedAsFailedThenTheConnectionCloses() throws Exception {
    s.front.qemuInit(1);
    s.front.sendRaw(FrontendRequest.SET_VRING_NUM.code(), Header.VERSION | Header.NEED_REPLY,
        new VringState(0, 3).encode());
    BackendRefusedException e = assertThrows(BackendRefusedException.class,
        () -> s.front.ackOrThrow(FrontendRequest.SET_VRING_NUM.code()));
    assertEquals(1, e.value());
    assertNull(s.front.receiveRaw());
  }

  @Test
  void fdsOnARequestThatTakesNoneCloseTheConnection() throws Exception {
    try (EventFd stray = EventFd.create()) {
      s.front.sendRaw(FrontendRequest.GET_FEATURES.code(), Header.VERSION, new byte[0],
          stray.fd());
      assertNull(s.front.receiveRaw());
    }
  }

  @Test
  void aTruncatedHeaderEndsTheSessionWhenTheFrontendHangsUp() throws Exception {
    s.front.sendBytes(Arrays.copyOf(Header.encode(FrontendRequest.GET_FEATURES.code(),
        Header.VERSION, 0), 6));
    s.front.connection().shutdown();
    // Ends cleanly (core.md §1.4) or with the partial message reported; never hangs.
    Throwable end = s.awaitEnd(5000);
    assertTrue(end == null || end instanceof EOFException, String.valueOf(end));
  }
}
