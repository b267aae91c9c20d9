// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.util.concurrent.atomic.AtomicInteger;
import org.vhostdevice.queue.InvalidRingException;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * Control requests whose response is written but whose descriptors go back to the guest only
 * when the renderer passes their fence. Held by head index and length (a chain object is only
 * valid in its batch); completed in whatever order their fences are reached. Fence ids are
 * virglrenderer's 32-bit ones, compared modulo 2^32.
 *
 * <p>{@link #completed} comes from the renderer thread; everything else runs on the worker.
 */
final class FencedRequests {
  private final int[] head = new int[VirtioGpu.QUEUE_SIZE];
  private final int[] length = new int[VirtioGpu.QUEUE_SIZE];
  private final int[] fence = new int[VirtioGpu.QUEUE_SIZE];
  private int count;
  private final AtomicInteger lastCompleted = new AtomicInteger();

  boolean isDone(int id) {
    return lastCompleted.get() - id >= 0;
  }

  /** Holds request {@code h} (response of {@code len} bytes) until fence {@code id} is done. */
  void park(int h, int len, int id) {
    // A ring holds at most QUEUE_SIZE requests, so the arrays cannot overflow.
    head[count] = h;
    length[count] = len;
    fence[count] = id;
    count++;
  }

  /** From the renderer thread: every fence up to {@code id} is done. */
  void completed(int id) {
    lastCompleted.accumulateAndGet(id, (old, f) -> f - old > 0 ? f : old);
  }

  /** Returns every parked request whose fence is done to the guest, keeping the others. */
  void completeDone(VirtQueue vq) throws InvalidRingException {
    int kept = 0;
    for (int i = 0; i < count; i++) {
      if (isDone(fence[i])) {
        vq.addUsed(head[i], length[i]);
      } else {
        head[kept] = head[i];
        length[kept] = length[i];
        fence[kept] = fence[i];
        kept++;
      }
    }
    count = kept;
  }

  /** The ring is gone (queue stopped, device reset): forget the parked requests. */
  void clear() {
    count = 0;
  }

  int count() {
    return count;
  }
}
