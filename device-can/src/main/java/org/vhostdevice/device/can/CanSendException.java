// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import java.io.IOException;
import org.vhostdevice.sys.Errno;

/** The interface refused a frame; {@link #transient_()} tells a full queue from a dead bus. */
public final class CanSendException extends IOException {
  private static final long serialVersionUID = 1L;
  static final int ENOBUFS = 105;
  private final int errno;

  public CanSendException(String ifname, int errno) {
    super("send on " + ifname + ": " + Errno.describe(errno));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  /** A full transmit queue (ENOBUFS, EAGAIN): this frame failed, the controller is fine. */
  public boolean transient_() {
    return errno == ENOBUFS || errno == Errno.EAGAIN;
  }
}
