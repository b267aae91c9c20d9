// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;

/**
 * The bounded wait for the rest of a started message: a peer that stops mid-message is dropped
 * after the timeout, while an idle peer (between messages) waits for ever and a message that
 * arrives in pieces within the timeout is received whole.
 */
class MessageTimeoutTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final long TIMEOUT = 200;

  private static byte[] message(int code, int size) {
    byte[] header = Header.encode(code, Header.VERSION, size);
    return Arrays.copyOf(header, header.length + size);
  }

  private static CompletableFuture<Message> receiveAsync(Connection c) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return c.receive();
      } catch (Exception ex) {
        throw new IllegalStateException(ex);
      }
    });
  }

  @Test
  void stopInTheMiddleOfTheHeader() throws Exception {
    try (RawPeer.Ends e = RawPeer.open()) {
      e.connection().setMessageTimeoutMillis(TIMEOUT);
      e.peer().write(new byte[] {1, 0, 0, 0, 1});
      assertTimeoutPreemptively(BOUND,
          () -> assertThrows(PeerStalledException.class, e.connection()::receive));
    }
  }

  @Test
  void stopInTheMiddleOfThePayloadClosesTheFdsThatCame() throws Exception {
    try (RawPeer.Ends e = RawPeer.open(); EventFd fd = EventFd.create()) {
      e.connection().setMessageTimeoutMillis(TIMEOUT);
      long before = OpenFds.count();
      byte[] whole = message(FrontendRequest.SET_VRING_KICK.code(), 8);
      e.peer().write(Arrays.copyOf(whole, Header.SIZE + 3), fd.fd());
      PeerStalledException stalled = assertTimeoutPreemptively(BOUND,
          () -> assertThrows(PeerStalledException.class, e.connection()::receive));
      assertTrue(stalled.getMessage().contains("15 byte(s)"), stalled.getMessage());
      assertEquals(before, OpenFds.count(), "the fd that came with the partial message leaked");
    }
  }

  /** Header complete, payload not started: the payload is part of the message's time. */
  @Test
  void headerWithoutItsPayload() throws Exception {
    try (RawPeer.Ends e = RawPeer.open()) {
      e.connection().setMessageTimeoutMillis(TIMEOUT);
      e.peer().write(Header.encode(FrontendRequest.SET_VRING_NUM.code(), Header.VERSION, 8));
      long start = System.nanoTime();
      assertTimeoutPreemptively(BOUND,
          () -> assertThrows(PeerStalledException.class, e.connection()::receive));
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertTrue(waited >= TIMEOUT - 20, "gave up after " + waited + " ms");
    }
  }

  @Test
  void theTimeoutBoundsTheWholeMessageNotEachRead() throws Exception {
    try (RawPeer.Ends e = RawPeer.open()) {
      e.connection().setMessageTimeoutMillis(TIMEOUT);
      byte[] whole = message(FrontendRequest.SET_CONFIG.code(), 64);
      AtomicBoolean stop = new AtomicBoolean();
      Thread trickle = Thread.ofPlatform().start(() -> {
        try {
          // One byte every TIMEOUT/4: each read is quick, the message as a whole is not.
          for (int i = 0; i < whole.length && !stop.get(); i++) {
            e.peer().write(new byte[] {whole[i]});
            Thread.sleep(TIMEOUT / 4);
          }
        } catch (Exception stopped) {
          // the test is over
        }
      });
      try {
        assertTimeoutPreemptively(BOUND,
            () -> assertThrows(PeerStalledException.class, e.connection()::receive));
      } finally {
        stop.set(true);
        trickle.join();
      }
    }
  }

  @Test
  void anIdlePeerIsNotTimedOut() throws Exception {
    try (RawPeer.Ends e = RawPeer.open()) {
      e.connection().setMessageTimeoutMillis(TIMEOUT);
      CompletableFuture<Message> received = receiveAsync(e.connection());
      Thread.sleep(3 * TIMEOUT);
      e.peer().write(message(FrontendRequest.GET_FEATURES.code(), 0));
      try (Message m = assertTimeoutPreemptively(BOUND, () -> received.get())) {
        assertEquals(FrontendRequest.GET_FEATURES.code(), m.code());
      }
    }
  }

  @Test
  void aMessageInPiecesWithinTheTimeoutIsReceivedAndTheNextIsUnbounded() throws Exception {
    try (RawPeer.Ends e = RawPeer.open()) {
      e.connection().setMessageTimeoutMillis(2_000);
      byte[] whole = message(FrontendRequest.SET_VRING_NUM.code(), 8);
      e.peer().write(Arrays.copyOf(whole, 5));
      CompletableFuture<Message> first = receiveAsync(e.connection());
      Thread.sleep(100);
      e.peer().write(Arrays.copyOfRange(whole, 5, whole.length));
      try (Message m = assertTimeoutPreemptively(BOUND, () -> first.get())) {
        assertEquals(8, m.size());
      }
      // The timeout applied to that message only: an idle gap longer than it is fine now.
      e.connection().setMessageTimeoutMillis(100);
      CompletableFuture<Message> second = receiveAsync(e.connection());
      Thread.sleep(300);
      e.peer().write(message(FrontendRequest.GET_FEATURES.code(), 0));
      try (Message m = assertTimeoutPreemptively(BOUND, () -> second.get())) {
        assertEquals(FrontendRequest.GET_FEATURES.code(), m.code());
      }
    }
  }
}
