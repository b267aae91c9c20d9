// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file descriptor with exactly one owner. {@link #close()} is idempotent and thread-safe, so a
 * descriptor received from a peer can be closed by whichever path lets go of it first.
 */
public final class OwnedFd implements AutoCloseable {
  private final AtomicInteger fd;

  public OwnedFd(int fd) {
    if (fd < 0) {
      throw new IllegalArgumentException("not a file descriptor: " + fd);
    }
    this.fd = new AtomicInteger(fd);
  }

  /** The descriptor number; -1 once closed or released. */
  public int fd() {
    return fd.get();
  }

  public boolean isClosed() {
    return fd.get() < 0;
  }

  /** Gives up ownership without closing; the caller now owns the number returned. */
  public int release() {
    return fd.getAndSet(-1);
  }

  @Override
  public void close() {
    Fds.closeQuietly(fd.getAndSet(-1));
  }

  @Override
  public String toString() {
    return "fd " + fd.get();
  }
}
