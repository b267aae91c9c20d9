// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.IOException;

/**
 * The peer started a message and did not finish it within the message timeout: it sent part of
 * a header or payload and then nothing, with the socket still open. Nothing after it can be
 * framed, so whoever catches this ends the connection.
 */
public final class PeerStalledException extends IOException {
  private static final long serialVersionUID = 1L;

  PeerStalledException(String message) {
    super(message);
  }
}
