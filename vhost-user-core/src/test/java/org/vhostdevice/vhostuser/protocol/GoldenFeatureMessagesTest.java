// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Wire bytes of the session set-up messages, written by hand from core.md §1.2 and §1.8: header
 * {@code request u32 | flags u32 | size u32}, then the payload, all little-endian.
 */
class GoldenFeatureMessagesTest {
  /** VIRTIO_F_VERSION_1 (bit 32) | VHOST_USER_F_PROTOCOL_FEATURES (bit 30). */
  private static final long FEATURES = 0x1_4000_0000L;
  /** MQ | REPLY_ACK | CONFIG | RESET_DEVICE | CONFIGURE_MEM_SLOTS. */
  private static final long PROTOCOL_FEATURES = 0xA209L;

  /** Flags of a plain request: version 1. */
  private static final int REQUEST = 0x1;

  private GoldenWire golden;

  @BeforeEach
  void open() throws IOException {
    golden = new GoldenWire();
  }

  @AfterEach
  void close() {
    golden.close();
  }

  @Test
  void getFeatures() throws IOException {
    golden.assertEmptyRequest("01000000 01000000 00000000", FrontendRequest.GET_FEATURES, REQUEST);
  }

  @Test
  void getFeaturesReply() throws IOException {
    golden.assertReply("01000000 05000000 08000000 0000004001000000",
        FrontendRequest.GET_FEATURES, FEATURES, Payloads.encodeU64(FEATURES),
        Payloads::decodeU64);
  }

  @Test
  void setFeatures() throws IOException {
    golden.assertRequest("02000000 01000000 08000000 0000004001000000",
        FrontendRequest.SET_FEATURES, REQUEST, FEATURES, Payloads.encodeU64(FEATURES),
        Payloads::decodeU64);
  }

  @Test
  void setOwner() throws IOException {
    golden.assertEmptyRequest("03000000 01000000 00000000", FrontendRequest.SET_OWNER, REQUEST);
  }

  @Test
  void resetOwner() throws IOException {
    golden.assertEmptyRequest("04000000 01000000 00000000", FrontendRequest.RESET_OWNER, REQUEST);
  }

  @Test
  void getProtocolFeatures() throws IOException {
    golden.assertEmptyRequest(
        "0f000000 01000000 00000000", FrontendRequest.GET_PROTOCOL_FEATURES, REQUEST);
  }

  @Test
  void getProtocolFeaturesReply() throws IOException {
    golden.assertReply("0f000000 05000000 08000000 09a2000000000000",
        FrontendRequest.GET_PROTOCOL_FEATURES, PROTOCOL_FEATURES,
        Payloads.encodeU64(PROTOCOL_FEATURES), Payloads::decodeU64);
  }

  @Test
  void setProtocolFeatures() throws IOException {
    golden.assertRequest("10000000 01000000 08000000 09a2000000000000",
        FrontendRequest.SET_PROTOCOL_FEATURES, REQUEST, PROTOCOL_FEATURES,
        Payloads.encodeU64(PROTOCOL_FEATURES), Payloads::decodeU64);
  }

  @Test
  void getQueueNum() throws IOException {
    golden.assertEmptyRequest("11000000 01000000 00000000", FrontendRequest.GET_QUEUE_NUM, REQUEST);
  }

  @Test
  void getQueueNumReply() throws IOException {
    golden.assertReply("11000000 05000000 08000000 0200000000000000",
        FrontendRequest.GET_QUEUE_NUM, 2L, Payloads.encodeU64(2), Payloads::decodeU64);
  }

  @Test
  void resetDevice() throws IOException {
    golden.assertEmptyRequest("22000000 01000000 00000000", FrontendRequest.RESET_DEVICE, REQUEST);
  }

  @Test
  void successAck() throws IOException {
    golden.connection().sendAck(FrontendRequest.SET_MEM_TABLE.code(), 0);
    golden.assertWritten("05000000 05000000 08000000 0000000000000000", 0);
  }

  @Test
  void failureAck() throws IOException {
    golden.connection().sendAck(FrontendRequest.SET_VRING_ENABLE.code(), 1);
    golden.assertWritten("12000000 05000000 08000000 0100000000000000", 0);
  }

  @Test
  void ackIsReceivedAsReply() throws IOException {
    try (Message m = golden.receiveReply(
        "05000000 05000000 08000000 0000000000000000", FrontendRequest.SET_MEM_TABLE.code())) {
      assertEquals(0L, Payloads.decodeU64(m));
    }
  }
}
