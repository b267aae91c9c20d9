// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

/** Requests a backend sends on the backend channel from SET_BACKEND_REQ_FD (core.md §3). */
public enum BackendRequest {
  IOTLB_MSG(1, 32, false),
  CONFIG_CHANGE_MSG(2, 0, false),
  VRING_HOST_NOTIFIER_MSG(3, 24, true),
  VRING_CALL(4, 8, false),
  VRING_ERR(5, 8, false),
  SHARED_OBJECT_ADD(6, 16, false),
  SHARED_OBJECT_REMOVE(7, 16, false),
  /** The request carries no fd; the dma-buf fd comes back with the reply. */
  SHARED_OBJECT_LOOKUP(8, 16, false),
  SHMEM_MAP(9, 40, true),
  SHMEM_UNMAP(10, 40, false);

  private static final BackendRequest[] BY_CODE = new BackendRequest[11];

  static {
    for (BackendRequest r : values()) {
      BY_CODE[r.code] = r;
    }
  }

  private final int code;
  private final int payloadSize;
  private final boolean mayCarryFds;

  BackendRequest(int code, int payloadSize, boolean mayCarryFds) {
    this.code = code;
    this.payloadSize = payloadSize;
    this.mayCarryFds = mayCarryFds;
  }

  public int code() {
    return code;
  }

  /** The request with this wire code, or null if there is none. */
  public static BackendRequest of(int code) {
    return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** Every backend request has a fixed payload size. */
  public int fixedPayloadSize() {
    return payloadSize;
  }

  public boolean mayCarryFds() {
    return mayCarryFds;
  }
}
