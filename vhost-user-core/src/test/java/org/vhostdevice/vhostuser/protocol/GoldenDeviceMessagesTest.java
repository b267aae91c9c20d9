// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.OwnedFd;

/** Wire bytes of the config and backend-channel messages, written by hand from core.md §1.8. */
class GoldenDeviceMessagesTest {
  private static final int REQUEST = 0x1;
  private static final int NEED_REPLY = 0x9;

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
  void setBackendReqFd() throws IOException {
    try (OwnedFd fd = TestFds.fresh()) {
      golden.assertEmptyRequest("15000000 09000000 00000000",
          FrontendRequest.SET_BACKEND_REQ_FD, NEED_REPLY, fd.fd());
    }
  }

  @Test
  void getConfigCarriesFillerOfTheRequestedSize() throws IOException {
    ConfigSpace c = new ConfigSpace(0, 8, 0, new byte[8]);
    golden.assertRequest("18000000 01000000 14000000"
            + " 00000000 08000000 00000000"   // offset 0, size 8, flags 0
            + " 0000000000000000",            // filler
        FrontendRequest.GET_CONFIG, REQUEST, c, c.encode(), ConfigSpace::decode);
  }

  @Test
  void getConfigReply() throws IOException {
    ConfigSpace c = new ConfigSpace(0, 8, 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    golden.assertReply("18000000 05000000 14000000 00000000 08000000 00000000 0102030405060708",
        FrontendRequest.GET_CONFIG, c, c.encode(), ConfigSpace::decode);
  }

  @Test
  void setConfig() throws IOException {
    ConfigSpace c = new ConfigSpace(4, 2, 0, new byte[] {(byte) 0xab, (byte) 0xcd});
    golden.assertRequest("19000000 09000000 0e000000 04000000 02000000 00000000 abcd",
        FrontendRequest.SET_CONFIG, NEED_REPLY, c, c.encode(), ConfigSpace::decode);
  }

  @Test
  void setConfigDuringMigration() throws IOException {
    ConfigSpace c = new ConfigSpace(0, 1, ConfigSpace.FLAG_WRITABLE, new byte[] {0x7f});
    golden.assertRequest("19000000 09000000 0d000000 00000000 01000000 01000000 7f",
        FrontendRequest.SET_CONFIG, NEED_REPLY, c, c.encode(), ConfigSpace::decode);
  }

  @Test
  void getInflightFd() throws IOException {
    InflightDescription d = new InflightDescription(0, 0, 2, 256);
    golden.assertRequest("1f000000 01000000 18000000"
            + " 0000000000000000 0000000000000000 0200 0001 00000000",
        FrontendRequest.GET_INFLIGHT_FD, REQUEST, d, d.encode(), InflightDescription::decode);
  }
}
