// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.lang.foreign.MemorySegment;
import org.vhostdevice.queue.Writer;

/**
 * A bounded byte FIFO shared by a host-side thread and the device's worker. Every bound in the
 * console is one of these: nothing the guest or a TCP peer sends can grow memory without limit.
 * The backing array is allocated once, so moving bytes to and from guest memory allocates
 * nothing but the segment views.
 */
final class ByteRing {
  private final byte[] buf;
  private final MemorySegment seg;
  private int head; // next byte to take
  private int size;
  private long dropped;

  ByteRing(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity " + capacity);
    }
    buf = new byte[capacity];
    seg = MemorySegment.ofArray(buf);
  }

  synchronized int size() {
    return size;
  }

  synchronized int free() {
    return buf.length - size;
  }

  int capacity() {
    return buf.length;
  }

  synchronized boolean isEmpty() {
    return size == 0;
  }

  /** Bytes thrown away by {@link #overwrite}. */
  synchronized long dropped() {
    return dropped;
  }

  synchronized void clear() {
    head = 0;
    size = 0;
  }

  /** Appends as much of {@code src[off, off+len)} as fits; returns how much did. */
  synchronized int offer(byte[] src, int off, int len) {
    int n = Math.min(len, buf.length - size);
    int tail = (head + size) % buf.length;
    int first = Math.min(n, buf.length - tail);
    System.arraycopy(src, off, buf, tail, first);
    System.arraycopy(src, off + first, buf, 0, n - first);
    size += n;
    return n;
  }

  /** Appends all of it, dropping the oldest bytes when full (a scrollback that nobody reads). */
  synchronized void overwrite(byte[] src, int off, int len) {
    if (len >= buf.length) {
      dropped += size + (len - buf.length);
      head = 0;
      size = 0;
      off += len - buf.length;
      len = buf.length;
    }
    int excess = size + len - buf.length;
    if (excess > 0) {
      head = (head + excess) % buf.length;
      size -= excess;
      dropped += excess;
    }
    offer(src, off, len);
  }

  /** Moves up to {@code max} bytes into {@code dst}; returns how many. */
  synchronized int poll(byte[] dst, int off, int max) {
    int n = Math.min(max, size);
    int first = Math.min(n, buf.length - head);
    System.arraycopy(buf, head, dst, off, first);
    System.arraycopy(buf, 0, dst, off + first, n - first);
    head = (head + n) % buf.length;
    size -= n;
    return n;
  }

  /** Moves as many bytes as the chain can take into guest memory; returns how many. */
  synchronized int drainTo(Writer w) {
    int n = (int) Math.min(size, w.remaining());
    int first = Math.min(n, buf.length - head);
    if (first > 0) {
      w.write(seg.asSlice(head, first));
    }
    if (n - first > 0) {
      w.write(seg.asSlice(0, n - first));
    }
    head = (head + n) % buf.length;
    size -= n;
    return n;
  }
}
