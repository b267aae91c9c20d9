// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The hybrid-vsock "CONNECT port" line. */
class ConnectLineTest {
  @Test
  void aPlainLineGivesThePort() {
    assertEquals(1234, VsockEngine.parseConnectLine("CONNECT 1234"));
  }

  @Test
  void theKeywordIsCaseInsensitiveAndSpacesAreFree() {
    assertEquals(80, VsockEngine.parseConnectLine("  connect \t 80 "));
  }

  @Test
  void theFullU32RangeIsAccepted() {
    assertEquals(-1, VsockEngine.parseConnectLine("CONNECT 4294967295"));
  }

  @Test
  void aPortBeyondU32IsRefused() {
    assertNull(VsockEngine.parseConnectLine("CONNECT 4294967296"));
  }

  @Test
  void anotherKeywordIsRefused() {
    assertNull(VsockEngine.parseConnectLine("HELLO 1234"));
  }

  @Test
  void aMissingPortIsRefused() {
    assertNull(VsockEngine.parseConnectLine("CONNECT"));
  }

  @Test
  void extraWordsAreRefused() {
    assertNull(VsockEngine.parseConnectLine("CONNECT 1 2"));
  }

  @Test
  void aNegativePortIsRefused() {
    assertNull(VsockEngine.parseConnectLine("CONNECT -1"));
  }
}
