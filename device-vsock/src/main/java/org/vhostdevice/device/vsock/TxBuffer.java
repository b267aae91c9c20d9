// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vhostdevice.device.vsock.sys.HostSockets;
import org.vhostdevice.sys.NativeException;

/**
 * Guest bytes a host socket did not take yet, in a ring of {@code capacity} native bytes (so
 * they go to the socket without another copy). The credit we advertise never counts these bytes
 * as forwarded, so a driver that honours credit cannot overfill the ring; one that does not is
 * refused space ({@link #push} returns false) and its packet waits in the virtqueue.
 */
final class TxBuffer {
  private final MemorySegment ring;
  private final int capacity;
  /** Index of the oldest byte. */
  private int head;
  private int size;

  TxBuffer(int capacity) {
    this.capacity = capacity;
    this.ring = Arena.ofAuto().allocate(capacity, 8);
  }

  int capacity() {
    return capacity;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int free() {
    return capacity - size;
  }

  /** Appends all of {@code src} or nothing; false when it does not fit. */
  boolean push(MemorySegment src) {
    long n = src.byteSize();
    if (n > free()) {
      return false;
    }
    int tail = (head + size) % capacity;
    int first = (int) Math.min(n, capacity - tail);
    // The tail piece goes to the end of the ring, the rest wraps to its start (the seed's Rust
    // copied the start of the data twice here).
    MemorySegment.copy(src, 0, ring, tail, first);
    if (first < n) {
      MemorySegment.copy(src, first, ring, 0, n - first);
    }
    size += (int) n;
    return true;
  }

  /**
   * Writes as much as the socket takes; returns the number of bytes written (0 if the socket is
   * full). A broken socket throws.
   */
  int flush(int fd) throws NativeException {
    int total = 0;
    while (size > 0) {
      int chunk = Math.min(size, capacity - head);
      long n = HostSockets.send(fd, ring.asSlice(head, chunk), chunk);
      if (n <= 0) {
        break;
      }
      head = (head + (int) n) % capacity;
      size -= (int) n;
      total += (int) n;
      if (n < chunk) {
        break;
      }
    }
    if (size == 0) {
      head = 0;
    }
    return total;
  }

  /** Copies the buffered bytes out without consuming them (for tests). */
  byte[] peekAll() {
    byte[] out = new byte[size];
    for (int i = 0; i < size; i++) {
      out[i] = ring.get(java.lang.foreign.ValueLayout.JAVA_BYTE, (head + i) % capacity);
    }
    return out;
  }
}
