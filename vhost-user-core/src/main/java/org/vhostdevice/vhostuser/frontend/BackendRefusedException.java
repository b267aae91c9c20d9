// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.io.IOException;

/** The backend answered a request with a non-zero REPLY_ACK value: it did not apply it. */
public final class BackendRefusedException extends IOException {
  private static final long serialVersionUID = 1L;
  private final long value;

  public BackendRefusedException(String request, long value) {
    super(request + " refused by the backend (ack " + value + ")");
    this.value = value;
  }

  /** The ack value the backend sent (Rust and our backend send 1). */
  public long value() {
    return value;
  }
}
