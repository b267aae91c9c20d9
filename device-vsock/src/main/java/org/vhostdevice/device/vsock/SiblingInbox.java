// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashSet;
import java.util.Set;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;

/**
 * Packets other VMs of the daemon sent to this VM (sibling routing), header and payload as the
 * sender's guest wrote them, in a bounded ring. A sender that finds the ring full keeps its packet
 * in its TX ring and is woken when space frees up, so no byte is dropped; a guest-bound RW packet
 * larger than the receiving guest's RX buffer is split over several buffers (the Rust daemon cut
 * it short).
 */
final class SiblingInbox {
  static final int DEFAULT_CAPACITY = 1 << 20;
  private static final int LEN_OFFSET = PacketHeader.LEN;

  private final byte[] ring;
  private final MemorySegment ringSeg;
  private int head;
  private int size;
  /** Payload bytes of the front packet already delivered (it was split). */
  private int frontDelivered;
  private final Set<Runnable> waiting = new LinkedHashSet<>();

  SiblingInbox(int capacity) {
    ring = new byte[capacity];
    ringSeg = MemorySegment.ofArray(ring);
  }

  synchronized boolean isEmpty() {
    return size == 0;
  }

  /**
   * Queues the packet whose header is {@code header} and whose {@code len} payload bytes are
   * next in {@code payload}; false (and {@code wakeSender} remembered) when it does not fit.
   */
  synchronized boolean offer(PacketHeader header, Reader payload, int len, Runnable wakeSender) {
    int need = PacketHeader.SIZE + len;
    if (need > ring.length - size) {
      if (wakeSender != null) {
        waiting.add(wakeSender);
      }
      return false;
    }
    int tail = (head + size) % ring.length;
    copyIn(header.bytes, tail, PacketHeader.SIZE);
    int at = (tail + PacketHeader.SIZE) % ring.length;
    int first = Math.min(len, ring.length - at);
    payload.read(ringSeg.asSlice(at, first));
    if (first < len) {
      payload.read(ringSeg.asSlice(0, len - first));
    }
    size += need;
    return true;
  }

  private void copyIn(MemorySegment src, int at, int n) {
    int first = Math.min(n, ring.length - at);
    MemorySegment.copy(src, 0, ringSeg, at, first);
    if (first < n) {
      MemorySegment.copy(src, first, ringSeg, 0, n - first);
    }
  }

  private byte at(int offset) {
    return ring[(head + offset) % ring.length];
  }

  private int frontLen() {
    int v = 0;
    for (int i = 0; i < 4; i++) {
      v |= (at(LEN_OFFSET + i) & 0xFF) << (8 * i);
    }
    return v;
  }

  /**
   * Writes the front packet (or its next part) into an RX buffer: the header into {@code
   * header}'s slot at {@code hdrOffset} of {@code hdrSlot} (the first 44 writable bytes), the payload after it through
   * {@code w} (already past the header). Returns the used length, or -1 when the inbox is empty.
   * {@code scratch} receives the header copy.
   */
  int deliver(PacketHeader scratch, MemorySegment hdrSlot, long hdrOffset, Writer w) {
    Runnable[] wake;
    int used;
    synchronized (this) {
      if (size == 0) {
        return -1;
      }
      int len = frontLen();
      for (int i = 0; i < PacketHeader.SIZE; i++) {
        scratch.bytes.set(JAVA_BYTE, i, at(i));
      }
      boolean rw = scratch.op() == PacketHeader.OP_RW;
      int left = rw ? len - frontDelivered : 0;
      int chunk = (int) Math.min(left, w.remaining());
      int from = (head + PacketHeader.SIZE + frontDelivered) % ring.length;
      int first = Math.min(chunk, ring.length - from);
      w.write(ringSeg.asSlice(from, first));
      if (first < chunk) {
        w.write(ringSeg.asSlice(0, chunk - first));
      }
      scratch.len(chunk);
      MemorySegment.copy(scratch.bytes, 0, hdrSlot, hdrOffset, PacketHeader.SIZE);
      used = PacketHeader.SIZE + chunk;
      frontDelivered += chunk;
      if (!rw || frontDelivered >= len) {
        int whole = PacketHeader.SIZE + len;
        head = (head + whole) % ring.length;
        size -= whole;
        frontDelivered = 0;
        if (size == 0) {
          head = 0;
        }
      }
      wake = waiting.isEmpty() ? null : waiting.toArray(new Runnable[0]);
      waiting.clear();
    }
    if (wake != null) {
      for (Runnable r : wake) {
        r.run();
      }
    }
    return used;
  }

  /** Forgets every queued packet (this VM's guest went away) and lets blocked senders retry. */
  void clear() {
    Runnable[] wake;
    synchronized (this) {
      head = 0;
      size = 0;
      frontDelivered = 0;
      wake = waiting.toArray(new Runnable[0]);
      waiting.clear();
    }
    for (Runnable r : wake) {
      r.run();
    }
  }
}
