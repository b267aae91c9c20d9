// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.io.IOException;

/**
 * A malformed or unacceptable vhost-user message. The policy QEMU is tested against (core.md
 * §1.7) is to close the connection on any of these, so whoever catches one ends the session.
 */
public class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
