// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import org.vhostdevice.sys.OwnedFd;

/**
 * One stream between a guest port and a host socket, with the virtio-vsock credit counters
 * (virtio spec 5.10.6.3): we may send the guest at most {@code peerBufAlloc - (rxCnt -
 * peerFwdCnt)} bytes; the guest may send us at most {@code bufAlloc - (its tx count - fwdCnt)},
 * where {@code fwdCnt} counts only bytes the host socket has taken. All fields belong to the
 * device's worker thread.
 */
final class Connection {
  /** Host side asked to connect (Unix socket), waiting for its "CONNECT port" line. */
  static final int AWAIT_LINE = 0;
  /** REQUEST queued for / sent to the guest, waiting for its RESPONSE. */
  static final int GUEST_CONNECTING = 1;
  /** Guest asked to connect; our non-blocking connect to the host is in progress. */
  static final int HOST_CONNECTING = 2;
  /** Connected host socket, RESPONSE queued for the guest. */
  static final int HOST_CONNECTED = 3;
  static final int ESTABLISHED = 4;
  /** RST queued for the guest; the host socket is closed already. */
  static final int CLOSING = 5;
  /** Guest asked to connect; the host listener's backlog was full, connect is retried. */
  static final int HOST_RETRY = 6;

  /** Pending guest-bound operations (a set, like the Rust daemon's RxOps bitmask). */
  static final int RX_REQUEST = 1;
  static final int RX_RW = 2;
  static final int RX_RESPONSE = 4;
  static final int RX_CREDIT_UPDATE = 8;
  static final int RX_RESET = 16;
  static final int RX_CREDIT_REQUEST = 32;
  static final int RX_SHUTDOWN = 64;

  final long token;
  int localPort;
  int peerPort;
  OwnedFd fd;
  int state;
  int pending;
  boolean inRxQueue;

  final int bufAlloc;
  int fwdCnt;
  int lastFwdCnt;
  int peerBufAlloc;
  int peerFwdCnt;
  int rxCnt;
  TxBuffer txBuf;

  /** epoll reported the host socket readable and we have not drained it yet. */
  boolean hostReadable;
  /** The host socket reached EOF (its writer shut down); SHUTDOWN(SEND) goes to the guest. */
  boolean hostEof;
  /** SHUTDOWN flags the guest sent us. */
  int guestShutdown;
  /** We shut down the host socket's write side (after the guest's SHUTDOWN(SEND)). */
  boolean hostWriteShut;
  /** CREDIT_REQUEST sent and not answered yet: do not ask again. */
  boolean creditRequested;
  /** HOST_RETRY: where to connect, and until when (System.nanoTime) to keep trying. */
  java.nio.file.Path retryPath;
  long retryUntil;
  /** The CONNECT line read so far (host-initiated Unix connections only). */
  byte[] line;
  int lineLen;
  /** Interest the socket is armed with in epoll (one-shot); 0 after an event fired. */
  int armed;

  Connection(long token, OwnedFd fd, int bufAlloc, int state) {
    this.token = token;
    this.fd = fd;
    this.bufAlloc = bufAlloc;
    this.state = state;
  }

  static long key(int localPort, int peerPort) {
    return (Integer.toUnsignedLong(localPort) << 32) | Integer.toUnsignedLong(peerPort);
  }

  long key() {
    return key(localPort, peerPort);
  }

  /** Bytes the guest can still take from us (never negative, even if it shrank its buffer). */
  long peerCredit() {
    long c = (long) peerBufAlloc - Integer.toUnsignedLong(rxCnt - peerFwdCnt);
    return Math.max(0, c);
  }

  /** Forwarded bytes the guest does not know about yet. */
  int unadvertised() {
    return fwdCnt - lastFwdCnt;
  }

  /**
   * True when the guest's view of our free space has fallen below a quarter of the buffer (the
   * Rust daemon's threshold), so a CREDIT_UPDATE is worth a packet.
   */
  boolean creditUpdateDue() {
    return (long) bufAlloc - Integer.toUnsignedLong(unadvertised()) < bufAlloc / 4;
  }

  void updatePeerCredit(int bufAllocFromGuest, int fwdCntFromGuest) {
    if (peerBufAlloc != bufAllocFromGuest || peerFwdCnt != fwdCntFromGuest) {
      creditRequested = false;
    }
    peerBufAlloc = bufAllocFromGuest;
    peerFwdCnt = fwdCntFromGuest;
  }

  boolean txBuffered() {
    return txBuf != null && !txBuf.isEmpty();
  }

  TxBuffer txBuffer() {
    if (txBuf == null) {
      txBuf = new TxBuffer(bufAlloc);
    }
    return txBuf;
  }

  /** The guest still wants data and the host may still send some. */
  boolean wantsHostData() {
    return state == ESTABLISHED && !hostEof && (guestShutdown & PacketHeader.SHUTDOWN_RCV) == 0;
  }

  @Override
  public String toString() {
    return "connection host:" + Integer.toUnsignedString(localPort) + " <-> guest:"
        + Integer.toUnsignedString(peerPort);
  }
}
