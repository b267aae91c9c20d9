// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

/**
 * The interrupt side of the device, shared by the worker (which parks eventq buffers here and
 * completes them) and the edge loop (which latches interrupts). At most one buffer waits per
 * line; an interrupt that comes while none waits is latched and completes the next buffer at
 * once (the host kernel buffers edge events the same way for the Rust daemon).
 */
final class IrqWaits {
  private final boolean[] waiting;
  private final boolean[] latched;
  private final int[] head;
  private final long[] statusAddr;
  /** The lines with a waiting buffer, in no particular order (a dense list: no scan of all lines). */
  private final int[] waitList;
  private int waitCount;

  IrqWaits(int lines) {
    waiting = new boolean[lines];
    latched = new boolean[lines];
    head = new int[lines];
    statusAddr = new long[lines];
    waitList = new int[lines];
  }

  synchronized boolean isWaiting(int line) {
    return waiting[line];
  }

  /** Parks a buffer for {@code line}. Caller checked that none waits. */
  synchronized void park(int line, int chainHead, long status) {
    waiting[line] = true;
    head[line] = chainHead;
    statusAddr[line] = status;
    waitList[waitCount++] = line;
  }

  /** Takes the latch of {@code line}: true if an interrupt came since the last take. */
  synchronized boolean takeLatch(int line) {
    boolean l = latched[line];
    latched[line] = false;
    return l;
  }

  /** From the edge loop: latches an interrupt; true if a buffer waits for it (wake the queue). */
  synchronized boolean latch(int line) {
    latched[line] = true;
    return waiting[line];
  }

  synchronized void clearLatch(int line) {
    latched[line] = false;
  }

  /** A completed wait, handed to the worker to write and return. */
  interface Completion {
    void complete(int line, int head, long statusAddr, boolean valid) throws Exception;
  }

  /**
   * Completes every waiting buffer whose line was interrupted (VALID) or whose interrupt was
   * disabled meanwhile ({@code irqType(line) == NONE}: INVALID, so the guest gets it back).
   */
  void completeReady(java.util.function.IntUnaryOperator irqType, Completion done)
      throws Exception {
    int i = 0;
    while (true) {
      int line;
      boolean valid;
      int h;
      long addr;
      synchronized (this) {
        if (i >= waitCount) {
          return;
        }
        line = waitList[i];
        boolean disabled = irqType.applyAsInt(line) == IrqType.NONE;
        if (!disabled && !latched[line]) {
          i++;
          continue;
        }
        valid = !disabled;
        latched[line] = false;
        waiting[line] = false;
        h = head[line];
        addr = statusAddr[line];
        waitList[i] = waitList[--waitCount];
      }
      done.complete(line, h, addr, valid);
    }
  }

  /** The eventq stopped: its buffers are gone with the ring. Latches stay. */
  synchronized void dropWaiting() {
    for (int i = 0; i < waitCount; i++) {
      waiting[waitList[i]] = false;
    }
    waitCount = 0;
  }

  synchronized void reset() {
    dropWaiting();
    java.util.Arrays.fill(latched, false);
  }

  synchronized int waitingCount() {
    return waitCount;
  }
}
