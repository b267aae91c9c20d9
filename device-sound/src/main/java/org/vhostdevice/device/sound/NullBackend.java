// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.lang.foreign.MemorySegment;

/**
 * No host audio: playback is consumed and capture produces silence, both at the pace of the
 * stream's rate, so the guest sees a sound card with a real clock. The Rust null backend
 * completed playback at once and never returned capture buffers, which stalls a capturing guest.
 *
 * <p>There is no thread: {@link #service} runs on the queue worker, moves the frames whose time
 * has come and asks to be called again when the next request will be due (the core's
 * {@code retryAfter}). After an underrun the clock restarts with the next data, as a real card
 * would play it late rather than fast.
 */
final class NullBackend implements AudioBackend {
  /** Per stream: when the clock started and how many bytes it has moved since. */
  private final long[] epoch = new long[2];
  private final long[] moved = new long[2];
  private final boolean[] running = new boolean[2];

  @Override
  public void setParams(PcmStream stream, PcmParams params) {}

  @Override
  public void prepare(PcmStream stream) {}

  @Override
  public void start(PcmStream stream) {
    running[stream.id] = false; // the clock starts at the first service() with data
    stream.wake();
  }

  @Override
  public void stop(PcmStream stream) {
    running[stream.id] = false;
  }

  @Override
  public void release(PcmStream stream) {
    running[stream.id] = false;
  }

  @Override
  public void close(PcmStream stream) {
    running[stream.id] = false;
  }

  @Override
  public long service(PcmStream s, long now) {
    int id = s.id;
    s.lock.lock();
    try {
      if (s.state() != PcmState.START || s.pendingBytes() == 0) {
        running[id] = false;
        return -1;
      }
      PcmParams p = s.params();
      double bytesPerNano = p.byteRate() / 1e9;
      if (!running[id]) {
        running[id] = true;
        epoch[id] = now;
        moved[id] = 0;
      }
      long due = (long) ((now - epoch[id]) * bytesPerNano);
      long n = Math.min(due - moved[id], s.pendingBytes());
      n -= n % p.frameBytes();
      int gen = s.generation();
      while (n > 0) {
        MemorySegment chunk = s.nextChunk(n);
        if (!s.isOutput()) {
          chunk.fill(VirtioSnd.silence(p.format()));
        }
        s.advance(gen, chunk.byteSize());
        moved[id] += chunk.byteSize();
        n -= chunk.byteSize();
      }
      long next = s.bytesToNextCompletion();
      if (next < 0) {
        running[id] = false; // underrun: the next data restarts the clock
        return -1;
      }
      long target = moved[id] + next;
      long wait = (long) Math.ceil(target / bytesPerNano) - (now - epoch[id]);
      return Math.max(wait, 0);
    } finally {
      s.lock.unlock();
    }
  }
}
