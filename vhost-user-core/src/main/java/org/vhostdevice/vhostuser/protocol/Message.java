// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import org.vhostdevice.sys.OwnedFd;

/**
 * One received (or to-be-sent) message: header fields, payload and the fds that came with it. The
 * message owns its fds until a handler takes them, and closes the rest, so a request that is
 * rejected or ignored never leaks a descriptor.
 */
public final class Message implements AutoCloseable {
  private final int code;
  private final int flags;
  private final byte[] payload;
  private final OwnedFd[] fds;

  /** Takes ownership of {@code fds}; copies {@code payload}. */
  public Message(int code, int flags, byte[] payload, List<OwnedFd> fds) {
    this.code = code;
    this.flags = flags;
    this.payload = payload == null ? new byte[0] : payload.clone();
    this.fds = fds == null ? new OwnedFd[0] : fds.toArray(new OwnedFd[0]);
    for (OwnedFd fd : this.fds) {
      Objects.requireNonNull(fd, "fds");
    }
  }

  public int code() {
    return code;
  }

  public int flags() {
    return flags;
  }

  /** The frontend request with this code, or null if the code is unknown. */
  public FrontendRequest request() {
    return FrontendRequest.of(code);
  }

  public boolean needsReply() {
    return (flags & Header.NEED_REPLY) != 0;
  }

  public boolean isReply() {
    return (flags & Header.REPLY) != 0;
  }

  /** Payload size in bytes. */
  public int size() {
    return payload.length;
  }

  /** A fresh read-only view of the payload in host (little-endian) order, positioned at 0. */
  public ByteBuffer payload() {
    return ByteBuffer.wrap(payload).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A copy of the payload bytes. */
  public byte[] payloadBytes() {
    return payload.clone();
  }

  /** How many fds arrived with the message, taken or not. */
  public int fdCount() {
    return fds.length;
  }

  /**
   * Hands fd {@code i} to the caller, who must close it; the message forgets it.
   *
   * @throws IllegalStateException if it was already taken or closed
   */
  public synchronized OwnedFd takeFd(int i) {
    Objects.checkIndex(i, fds.length);
    OwnedFd fd = fds[i];
    if (fd == null) {
      throw new IllegalStateException("fd " + i + " of " + this + " was already taken or closed");
    }
    fds[i] = null;
    return fd;
  }

  /** Closes every fd not taken. Idempotent. */
  public synchronized void closeFds() {
    for (int i = 0; i < fds.length; i++) {
      if (fds[i] != null) {
        fds[i].close();
        fds[i] = null;
      }
    }
  }

  @Override
  public void close() {
    closeFds();
  }

  @Override
  public String toString() {
    FrontendRequest r = request();
    return (r != null ? r.name() : "request " + Integer.toUnsignedString(code))
        + String.format("(flags 0x%x, %d bytes, %d fds)", flags, payload.length, fds.length);
  }
}
