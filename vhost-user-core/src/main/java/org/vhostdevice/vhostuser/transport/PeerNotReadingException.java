// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.IOException;

/**
 * A message could not be sent within the send timeout: the socket buffer is full because the
 * peer does not read. The message may have gone out in part, so the connection is unusable.
 */
public final class PeerNotReadingException extends IOException {
  private static final long serialVersionUID = 1L;

  PeerNotReadingException(String message, Throwable cause) {
    super(message, cause);
  }
}
