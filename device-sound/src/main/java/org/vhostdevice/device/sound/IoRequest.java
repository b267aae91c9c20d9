// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.queue.DescriptorChain;

/**
 * One PCM I/O request (a TX or RX chain) held between the batch that popped it and the batch
 * that completes it. The chain object itself is only valid in its own batch, so the request keeps
 * what completion needs: the head index and the guest addresses of the writable descriptors
 * (where captured frames and the status go). Slots are pooled by {@link PcmStream}; the arrays
 * grow only when a chain has more writable descriptors than any before it.
 *
 * <p>{@link #refs} is an explicit reference count, guarded by the stream's lock: 2 while the
 * backend still has frames to move (one reference for the backend, one for the device that owes
 * the guest a used element), 1 once the backend is done with it, 0 once the device has returned
 * it to the guest and the slot may be reused. The Rust daemon relied on dropping the last
 * {@code Arc} wherever that happened (an audio thread); here only the queue worker completes.
 */
final class IoRequest {
  int head;
  /** Position of the payload in the stream's ring (monotonic, not wrapped). */
  long start;
  /** Payload bytes: frames to play (TX) or room for captured frames (RX). */
  int len;
  /** Bytes the backend transferred before the request was released. */
  int filled;
  int refs;
  int writableLen;
  private long[] addr = new long[4];
  private int[] size = new int[4];
  private int descriptors;

  /** Records where the chain's writable descriptors are, in order. */
  void captureWritable(DescriptorChain chain) {
    descriptors = 0;
    long total = 0;
    for (int i = 0; i < chain.descriptorCount(); i++) {
      if (!chain.descriptorWritable(i)) {
        continue;
      }
      if (descriptors == addr.length) {
        addr = Arrays.copyOf(addr, descriptors * 2);
        size = Arrays.copyOf(size, descriptors * 2);
      }
      addr[descriptors] = chain.descriptorAddr(i);
      size[descriptors] = chain.descriptorLen(i);
      total += chain.descriptorLen(i);
      descriptors++;
    }
    writableLen = (int) Math.min(total, Integer.MAX_VALUE);
  }

  /** Copies {@code src} into the writable area at {@code offset}, across descriptors. */
  void writeAt(GuestMemory memory, long offset, MemorySegment src) throws GuestMemoryException {
    long srcPos = 0;
    long skip = offset;
    for (int i = 0; i < descriptors && srcPos < src.byteSize(); i++) {
      long d = Integer.toUnsignedLong(size[i]);
      if (skip >= d) {
        skip -= d;
        continue;
      }
      long n = Math.min(d - skip, src.byteSize() - srcPos);
      memory.write(addr[i] + skip, src.asSlice(srcPos, n));
      srcPos += n;
      skip = 0;
    }
  }
}
