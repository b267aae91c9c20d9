// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/** core.md §1.2 rules 1 and 5, §1.4 and §11.2 item 5: each rejection also closes the fds. */
class RequestValidatorTest {
  private static final int REQUEST = Header.VERSION;

  private static void assertRejectedAndClosed(int code, int flags, int size, OwnedFd fd) {
    int number = fd.fd();
    Message m = new Message(code, flags, new byte[size], List.of(fd));
    assertThrows(ProtocolException.class, () -> RequestValidator.validate(m));
    assertTrue(fd.isClosed());
    assertFalse(Fds.isOpen(number));
  }

  @Test
  void acceptsAWellFormedRequest() throws ProtocolException {
    Message m = new Message(FrontendRequest.SET_FEATURES.code(), REQUEST, new byte[8], null);
    assertEquals(FrontendRequest.SET_FEATURES, RequestValidator.validate(m));
  }

  @Test
  void acceptsNeedReply() throws ProtocolException {
    Message m = new Message(FrontendRequest.SET_OWNER.code(), 0x9, null, null);
    assertEquals(FrontendRequest.SET_OWNER, RequestValidator.validate(m));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 45, 1000, -1})
  void rejectsUnknownCodes(int code) throws NativeException {
    assertRejectedAndClosed(code, REQUEST, 0, TestFds.fresh());
  }

  @Test
  void rejectsReplyBitOnARequest() throws NativeException {
    assertRejectedAndClosed(FrontendRequest.SET_MEM_TABLE.code(), Header.REPLY_FLAGS,
        MemoryTable.sizeOf(1), TestFds.fresh());
  }

  @Test
  void rejectsWrongFixedSize() {
    Message m = new Message(FrontendRequest.SET_FEATURES.code(), REQUEST, new byte[4], null);
    assertThrows(ProtocolException.class, () -> RequestValidator.validate(m));
  }

  @Test
  void rejectsPayloadOnAnEmptyRequest() {
    Message m = new Message(FrontendRequest.GET_FEATURES.code(), REQUEST, new byte[8], null);
    assertThrows(ProtocolException.class, () -> RequestValidator.validate(m));
  }

  @Test
  void rejectsWrongFixedSizeAndClosesItsFd() throws NativeException {
    assertRejectedAndClosed(FrontendRequest.SET_VRING_KICK.code(), REQUEST, 16, TestFds.fresh());
  }

  @Test
  void rejectsFdsOnARequestThatMayNotCarryThem() throws NativeException {
    assertRejectedAndClosed(FrontendRequest.SET_FEATURES.code(), REQUEST, 8, TestFds.fresh());
  }

  @Test
  void rejectsAnFdWithRemMemReg() throws NativeException {
    assertRejectedAndClosed(FrontendRequest.REM_MEM_REG.code(), REQUEST,
        SingleMemoryRegion.SIZE, TestFds.fresh());
  }

  @ParameterizedTest
  @ValueSource(ints = {8, 16})
  void acceptsBothSetLogBaseSizes(int size) throws Exception {
    try (Message m = new Message(FrontendRequest.SET_LOG_BASE.code(), REQUEST, new byte[size],
        List.of(TestFds.fresh()))) {
      assertEquals(FrontendRequest.SET_LOG_BASE, RequestValidator.validate(m));
    }
  }

  @Test
  void rejectsOtherSetLogBaseSizes() throws NativeException {
    assertRejectedAndClosed(FrontendRequest.SET_LOG_BASE.code(), REQUEST, 12, TestFds.fresh());
  }
}
