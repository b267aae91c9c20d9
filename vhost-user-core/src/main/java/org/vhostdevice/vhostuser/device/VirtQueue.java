// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.device;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.InvalidChainException;
import org.vhostdevice.queue.InvalidRingException;
import org.vhostdevice.queue.SplitQueue;

/**
 * A device's view of one virtqueue during a batch: pop requests, complete them. Malformed chains
 * never reach the device: they are completed with used length 0 (so the guest gets its buffers
 * back) and logged, and the next request is served. Ring-level corruption (an available index
 * running ahead of the ring, rings outside guest memory) is thrown and stops the queue.
 */
public final class VirtQueue {
  private static final Logger LOG = LoggerFactory.getLogger(VirtQueue.class);

  private final int index;
  private final SplitQueue queue;
  private final DescriptorChain chain = new DescriptorChain();
  private static final GuestMemory NO_MEMORY = GuestMemory.empty();

  private GuestMemory memory = NO_MEMORY;
  private long malformedChains;
  /** Head of the last popped request until it is completed or put back; -1 if none. */
  private int outstanding = -1;
  /** A device's request to look at this queue again later, in ns; -1 for none. */
  private long retryNanos = -1;
  private volatile Runnable waker = () -> {};

  public VirtQueue(int index, SplitQueue queue) {
    this.index = index;
    this.queue = queue;
  }

  /** Binds the queue to the memory snapshot of the batch that is starting. */
  public void beginBatch(GuestMemory batchMemory) {
    this.memory = batchMemory;
  }

  /** Ends the batch: the snapshot is about to be released, so drop our reference to it. */
  public void endBatch() {
    this.memory = NO_MEMORY;
    this.outstanding = -1;
  }

  public int index() {
    return index;
  }

  /** The guest memory of the current batch (valid until the device returns from handleQueue). */
  public GuestMemory memory() {
    return memory;
  }

  public int size() {
    return queue.size();
  }

  public boolean eventIdx() {
    return queue.eventIdx();
  }

  /**
   * The next well-formed request, or null when the ring is empty. The returned chain object is
   * reused by the next call: copy what you need before popping again, or use {@link
   * #pop(DescriptorChain)} with chains of your own to hold several at once.
   */
  public DescriptorChain pop() throws InvalidRingException {
    return pop(chain) ? chain : null;
  }

  /** Pops the next well-formed request into {@code into}; false when the ring is empty. */
  public boolean pop(DescriptorChain into) throws InvalidRingException {
    while (true) {
      try {
        boolean popped = queue.pop(memory, into);
        outstanding = popped ? into.head() : -1;
        return popped;
      } catch (InvalidChainException e) {
        returnMalformed(e);
      }
    }
  }

  private void returnMalformed(InvalidChainException e) throws InvalidRingException {
    malformedChains++;
    // One warning per queue and then one per thousand: a hostile guest must not flood the log.
    if (malformedChains == 1 || malformedChains % 1000 == 0) {
      LOG.warn("queue {}: malformed descriptor chain returned unused ({} so far): {}",
          index, malformedChains, e.getMessage());
    }
    if (e.head() >= 0 && e.head() < queue.size()) {
      queue.addUsed(memory, e.head(), 0);
    }
  }

  /** Number of malformed chains returned so far on this queue. */
  public long malformedChains() {
    return malformedChains;
  }

  /**
   * Asks the core to call {@code handleQueue} again after {@code nanos} even without a kick (a
   * rate limit waiting for its next window). The worker does not sleep meanwhile: it keeps
   * serving stop, reset and exit requests. The earliest request of a batch wins.
   */
  public void retryAfter(long nanos) {
    long n = Math.max(0, nanos);
    retryNanos = retryNanos < 0 ? n : Math.min(retryNanos, n);
  }

  /** The pending retry request in ns (-1 if none), cleared by reading it. For the core. */
  public long takeRetry() {
    long n = retryNanos;
    retryNanos = -1;
    return n;
  }

  /**
   * From any thread: asks the core to call {@code handleQueue} for this queue soon on its worker,
   * without a guest kick. This is how host-side events (data on a host socket, an edge on a GPIO
   * line, a fence signalled by a renderer thread) reach the guest: the device's own thread
   * records the event and wakes the queue; {@code handleQueue} then pops buffers and completes
   * requests. Wake-ups coalesce; a wake-up for a stopped queue or a finished session is ignored
   * (the device is told with {@code queueStarted} when it may wake the queue again).
   */
  public void wake() {
    waker.run();
  }

  /** Installs what {@link #wake()} does. For the core. */
  public void bindWaker(Runnable wakeAction) {
    this.waker = wakeAction;
  }

  /** Puts the last popped request back (the device cannot take it yet). */
  public void undoPop() {
    queue.undoPop();
    outstanding = -1;
  }

  /**
   * After a device failed in the middle of a request: gives the last popped request back to the
   * guest with length 0 unless it was completed or put back, so no buffer is lost. For the core.
   */
  public void returnOutstanding() throws InvalidRingException {
    if (outstanding >= 0) {
      int head = outstanding;
      outstanding = -1;
      queue.addUsed(memory, head, 0);
    }
  }

  /** Completes {@code chain}, reporting {@code len} bytes written to its writable buffers. */
  public void addUsed(DescriptorChain completed, int len) throws InvalidRingException {
    addUsed(completed.head(), len);
  }

  /** Completes the request whose head descriptor is {@code head}. */
  public void addUsed(int head, int len) throws InvalidRingException {
    queue.addUsed(memory, head, len);
    if (head == outstanding) {
      outstanding = -1;
    }
  }
}
