// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Credit arithmetic and the connection's initial state (Rust: VsockConnection tests). */
class ConnectionTest {
  private static Connection fresh() {
    return new Connection(1L << 32, null, 65536, Connection.GUEST_CONNECTING);
  }

  @Test
  void aNewConnectionHasNoCreditAndNothingPending() {
    Connection c = fresh();
    assertEquals(0, c.peerCredit());
    assertEquals(0, c.pending);
    assertEquals(0, c.fwdCnt);
    assertEquals(0, c.rxCnt);
    assertFalse(c.txBuffered());
    assertFalse(c.wantsHostData(), "not established yet");
  }

  @Test
  void creditFollowsTheGuestsBufferAndWhatWeSent() {
    Connection c = fresh();
    c.updatePeerCredit(65536, 0);
    assertEquals(65536, c.peerCredit());
    c.rxCnt = 32768;
    assertEquals(32768, c.peerCredit());
    c.rxCnt = 65536;
    assertEquals(0, c.peerCredit());
    c.updatePeerCredit(65536, 65536);
    assertEquals(65536, c.peerCredit());
  }

  @Test
  void creditSurvivesCounterWrapAround() {
    Connection c = fresh();
    c.rxCnt = 100; // wrapped past 2^32
    c.updatePeerCredit(4096, -100);
    assertEquals(4096 - 200, c.peerCredit());
  }

  @Test
  void aShrunkGuestBufferGivesZeroNotNegativeCredit() {
    Connection c = fresh();
    c.rxCnt = 8192;
    c.updatePeerCredit(4096, 0);
    assertEquals(0, c.peerCredit());
  }

  @Test
  void aCreditUpdateIsDueBelowAQuarterOfTheBuffer() {
    Connection c = fresh();
    c.fwdCnt = 49152;
    assertFalse(c.creditUpdateDue(), "16384 left is exactly a quarter");
    c.fwdCnt = 49153;
    assertTrue(c.creditUpdateDue());
    c.lastFwdCnt = c.fwdCnt;
    assertFalse(c.creditUpdateDue(), "advertised");
  }

  @Test
  void newCreditFromTheGuestAllowsAnotherCreditRequest() {
    Connection c = fresh();
    c.creditRequested = true;
    c.updatePeerCredit(0, 0);
    assertTrue(c.creditRequested, "same values: still waiting");
    c.updatePeerCredit(4096, 0);
    assertFalse(c.creditRequested);
  }

  @Test
  void theKeyIsLocalPortThenPeerPort() {
    assertNotEquals(Connection.key(1, 2), Connection.key(2, 1));
    assertEquals(0xFFFF_FFFF_0000_0001L, Connection.key(-1, 1));
  }

  @Test
  void aGuestShutdownOfReceivingStopsHostReads() {
    Connection c = fresh();
    c.state = Connection.ESTABLISHED;
    assertTrue(c.wantsHostData());
    c.guestShutdown = PacketHeader.SHUTDOWN_RCV;
    assertFalse(c.wantsHostData());
  }
}
