// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import org.vhostdevice.vhostuser.protocol.ProtocolException;

/**
 * SET_VRING_KICK, _CALL or _ERR carried an fd the backend cannot use as that notifier: not an
 * eventfd at all (a memfd, socket, pipe...), or a kick eventfd in semaphore mode, which a worker
 * could never drain. A protocol error: the frontend gets a failure ack if one was due and the
 * connection is closed.
 */
final class VringFdRefusedException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  VringFdRefusedException(String message) {
    super(message);
  }
}
