// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import java.io.IOException;

/** A failed system call: the call's name and the errno it returned. */
public final class NativeException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String call;
  private final int errno;

  public NativeException(String call, int errno) {
    super(call + ": " + Errno.describe(errno));
    this.call = call;
    this.errno = errno;
  }

  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }
}
