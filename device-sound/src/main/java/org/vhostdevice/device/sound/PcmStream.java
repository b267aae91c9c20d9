// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.queue.InvalidRingException;

/**
 * One PCM stream: its state, parameters and the I/O requests in flight, shared by the queue
 * worker (which queues and completes requests) and the backend (which moves frames, possibly on
 * its own thread). Everything mutable is guarded by {@link #lock}.
 *
 * <p>The payload of queued requests lives in a host ring of buffer_bytes: TX frames are copied
 * in when the chain is popped, RX frames are captured into it and copied to the guest when the
 * request completes. Requests are kept in arrival order in a pool of {@link #MAX_REQUESTS}
 * slots, and the backend works through them front to back: {@code transferred} is the ring
 * position the backend has reached. Requests {@code [first, first+released)} are done by the
 * backend and wait for the worker; the rest still hold a backend reference.
 */
final class PcmStream {
  static final int MAX_REQUESTS = VirtioSnd.QUEUE_SIZE;

  final int id;
  final int direction;
  final ReentrantLock lock = new ReentrantLock();
  /** Signalled when requests arrive, are flushed, or the state changes. */
  final Condition changed = lock.newCondition();

  private PcmState state = PcmState.SET_PARAMS;
  private PcmParams params = PcmParams.DEFAULT;
  /** Arena.ofAuto: a backend thread still holding a slice keeps the old ring alive. */
  private MemorySegment ring = MemorySegment.NULL;
  private final IoRequest[] slots = new IoRequest[MAX_REQUESTS];
  private int first;
  private int count;
  private int released;
  private long tail;
  private long transferred;
  private long freed;
  /** Bumped when positions are reset or skipped, so a backend's late advance() is ignored. */
  private int generation;
  private long dropped;
  private volatile Runnable waker = () -> {};

  PcmStream(int id, int direction) {
    this.id = id;
    this.direction = direction;
    for (int i = 0; i < MAX_REQUESTS; i++) {
      slots[i] = new IoRequest();
    }
  }

  boolean isOutput() {
    return direction == VirtioSnd.D_OUTPUT;
  }

  // ---- state (callers hold the lock or read a racy snapshot for logging) ----

  PcmState state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  PcmParams params() {
    lock.lock();
    try {
      return params;
    } finally {
      lock.unlock();
    }
  }

  /** Checks and performs a state change, waking a backend thread waiting on the state. */
  void enter(PcmState next) throws InvalidTransitionException {
    lock.lock();
    try {
      state = state.enter(next);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Puts the state back after a backend refused a change the state machine allowed. */
  void restore(PcmState previous) {
    lock.lock();
    try {
      state = previous;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void setParams(PcmParams p) {
    lock.lock();
    try {
      params = p;
    } finally {
      lock.unlock();
    }
  }

  void setWaker(Runnable w) {
    waker = w == null ? () -> {} : w;
  }

  void wake() {
    waker.run();
  }

  // ---- the queue worker's side ----

  /** 0: a payload of {@code len} fits now; 1: wait for completions; -1: it never will. */
  int admit(int len) {
    lock.lock();
    try {
      if (count == 0 && ring.byteSize() != params.bufferBytes()) {
        // New parameters take effect when the ring is empty: no request refers to it.
        ring = Arena.ofAuto().allocate(params.bufferBytes(), 8);
        tail = transferred = freed = 0;
        generation++;
      }
      if (len > ring.byteSize()) {
        return -1;
      }
      if (count == MAX_REQUESTS || tail + len - freed > ring.byteSize()) {
        return 1;
      }
      return 0;
    } finally {
      lock.unlock();
    }
  }

  /** The free slot for the next request (after a successful {@link #admit}); worker only. */
  IoRequest reserve(int head, int len) {
    lock.lock();
    try {
      IoRequest r = slots[(first + count) % MAX_REQUESTS];
      if (r.refs != 0) {
        throw new IllegalStateException("stream " + id + ": request slot still referenced");
      }
      r.head = head;
      r.len = len;
      r.start = tail;
      r.filled = 0;
      return r;
    } finally {
      lock.unlock();
    }
  }

  /** The contiguous ring piece at position {@code pos}, at most {@code max} bytes. */
  private MemorySegment ringSlice(long pos, long max) {
    long cap = ring.byteSize();
    long off = pos % cap;
    return ring.asSlice(off, Math.min(max, cap - off));
  }

  /** Copies TX frames into the reserved request's ring space (worker, before publish). */
  void fill(IoRequest r, org.vhostdevice.queue.Reader src) {
    long done = 0;
    while (done < r.len) {
      MemorySegment piece = ringSlice(r.start + done, r.len - done);
      long n = src.read(piece);
      if (n <= 0) {
        break;
      }
      done += n;
    }
  }

  /** Hands the reserved request to the backend. */
  void publish(IoRequest r) {
    lock.lock();
    try {
      r.refs = 2;
      tail += r.len;
      count++;
      releaseTransferred();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Completion of one request, done by the worker in the batch of the request's queue. */
  interface Completion {
    void complete(IoRequest request, MemorySegment dataFirst, MemorySegment dataSecond)
        throws InvalidRingException;
  }

  /** Completes, in order, every request the backend is done with; returns how many. */
  int completeDone(Completion completion) throws InvalidRingException {
    lock.lock();
    try {
      int n = 0;
      while (released > 0) {
        IoRequest r = slots[first];
        MemorySegment a = MemorySegment.NULL;
        MemorySegment b = MemorySegment.NULL;
        if (!isOutput() && r.filled > 0) {
          a = ringSlice(r.start, r.filled);
          if (a.byteSize() < r.filled) {
            b = ringSlice(r.start + a.byteSize(), r.filled - a.byteSize());
          }
        }
        completion.complete(r, a, b);
        r.refs = 0;
        freed = r.start + r.len;
        first = (first + 1) % MAX_REQUESTS;
        count--;
        released--;
        n++;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the backend's part of every queued request (RELEASE, new parameters, a host error):
   * each keeps the frames transferred so far and the worker completes it on its next batch.
   */
  void flush() {
    lock.lock();
    try {
      for (int k = released; k < count; k++) {
        IoRequest r = slots[(first + k) % MAX_REQUESTS];
        r.filled = (int) Math.max(0, Math.min(r.len, transferred - r.start));
        r.refs = 1;
      }
      released = count;
      transferred = tail;
      generation++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    wake();
  }

  /** The queue stopped: its ring is gone, so every request is forgotten without completion. */
  void dropAll() {
    lock.lock();
    try {
      for (int k = 0; k < count; k++) {
        slots[(first + k) % MAX_REQUESTS].refs = 0;
      }
      dropped += count;
      first = count = released = 0;
      tail = transferred = freed = 0;
      generation++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Back to a freshly created stream (device reset). */
  void reset() {
    dropAll();
    lock.lock();
    try {
      state = PcmState.SET_PARAMS;
      params = PcmParams.DEFAULT;
    } finally {
      lock.unlock();
    }
  }

  /** Requests popped and not yet returned to the guest (references held by the device). */
  int inFlight() {
    lock.lock();
    try {
      int n = 0;
      for (IoRequest r : slots) {
        n += r.refs > 0 ? 1 : 0;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Requests forgotten because their queue stopped. */
  long dropped() {
    lock.lock();
    try {
      return dropped;
    } finally {
      lock.unlock();
    }
  }

  // ---- the backend's side (caller holds the lock) ----

  /** Bytes queued that the backend has not moved yet. */
  long pendingBytes() {
    return tail - transferred;
  }

  int generation() {
    return generation;
  }

  /** Bytes until the front request still held by the backend is done; -1 if none. */
  long bytesToNextCompletion() {
    if (released == count) {
      return -1;
    }
    IoRequest r = slots[(first + released) % MAX_REQUESTS];
    return r.start + r.len - transferred;
  }

  /** The next contiguous piece to play from / capture into, up to {@code max} bytes; or null. */
  MemorySegment nextChunk(long max) {
    long pending = tail - transferred;
    if (pending == 0) {
      return null;
    }
    return ringSlice(transferred, Math.min(max, pending));
  }

  /**
   * The backend moved {@code n} bytes of the chunk it took in {@code gen}; releases its reference
   * to every request now complete and wakes the worker. May be called without the lock.
   */
  void advance(int gen, long n) {
    boolean done;
    lock.lock();
    try {
      if (gen != generation || n <= 0) {
        return;
      }
      transferred = Math.min(tail, transferred + n);
      done = releaseTransferred() > 0;
    } finally {
      lock.unlock();
    }
    if (done) {
      wake();
    }
  }

  private int releaseTransferred() {
    int n = 0;
    while (released < count) {
      IoRequest r = slots[(first + released) % MAX_REQUESTS];
      if (r.start + r.len > transferred) {
        break;
      }
      r.filled = r.len;
      r.refs = 1;
      released++;
      n++;
    }
    return n;
  }

  /** Lays out a virtio_snd_pcm_status {status, latency_bytes} in a scratch segment. */
  static void putStatus(MemorySegment scratch, int status, int latency) {
    scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 0, status);
    scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 4, latency);
  }

  /** Copies captured frames to the request's writable area, used by completions. */
  static void copyCaptured(GuestMemory memory, IoRequest r, MemorySegment a, MemorySegment b)
      throws GuestMemoryException {
    r.writeAt(memory, 0, a);
    if (b.byteSize() > 0) {
      r.writeAt(memory, a.byteSize(), b);
    }
  }
}
