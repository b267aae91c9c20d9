// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;

/** A peer that does not read: sends fail after the send timeout instead of blocking for ever. */
class SendTimeoutTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final long TIMEOUT = 200;

  @Test
  void sendsToAPeerThatDoesNotReadFail() throws Exception {
    try (RawPeer.Ends e = RawPeer.open()) {
      e.connection().setSendTimeoutMillis(TIMEOUT);
      byte[] reply = new byte[4096];
      PeerNotReadingException thrown = assertTimeoutPreemptively(BOUND,
          () -> assertThrows(PeerNotReadingException.class, () -> {
            while (true) {
              e.connection().sendReply(FrontendRequest.GET_CONFIG.code(), reply);
            }
          }));
      assertTrue(thrown.getMessage().contains(TIMEOUT + " ms"), thrown.getMessage());
    }
  }

  @Test
  void aPeerThatReadsIsNotTimedOut() throws Exception {
    try (RawPeer.Ends e = RawPeer.open()) {
      e.connection().setSendTimeoutMillis(TIMEOUT);
      byte[] reply = new byte[4096];
      Thread reader = Thread.ofPlatform().start(() -> {
        try {
          for (int i = 0; i < 200; i++) {
            e.peer().read(12 + reply.length);
            Thread.sleep(i % 50 == 0 ? TIMEOUT / 2 : 0);
          }
        } catch (Exception stopped) {
          // the test failed elsewhere
        }
      });
      assertTimeoutPreemptively(BOUND, () -> {
        for (int i = 0; i < 200; i++) {
          e.connection().sendReply(FrontendRequest.GET_CONFIG.code(), reply);
        }
      });
      reader.join();
    }
  }

  @Test
  void zeroMeansNoTimeoutAndNegativeIsRefused() throws Exception {
    try (RawPeer.Ends e = RawPeer.open()) {
      e.connection().setSendTimeoutMillis(0);
      assertThrows(IllegalArgumentException.class, () -> e.connection().setSendTimeoutMillis(-1));
      assertThrows(IllegalArgumentException.class, () -> e.connection().setMessageTimeoutMillis(0));
    }
  }
}
