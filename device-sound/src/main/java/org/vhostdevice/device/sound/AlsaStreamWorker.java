// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread of one running ALSA stream: takes queued frames from the stream's ring (or room for
 * captured ones), moves them through the non-blocking PCM and reports progress with {@link
 * PcmStream#advance}, which releases finished requests and wakes the queue. Waits are bounded
 * (100 ms, the Rust worker's poll), so {@link #shutdown} returns promptly.
 */
final class AlsaStreamWorker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(AlsaStreamWorker.class);
  static final int WAIT_MS = 100;
  /** Failed recoveries in a row after which the queued requests are returned (not played). */
  static final int MAX_FAILED_RECOVERIES = 10;

  private final PcmStream stream;
  private final HostPcm pcm;
  private volatile boolean alive = true;
  private Thread thread;
  private long xruns;

  private AlsaStreamWorker(PcmStream stream, HostPcm pcm) {
    this.stream = stream;
    this.pcm = pcm;
  }

  static AlsaStreamWorker start(PcmStream stream, HostPcm pcm) {
    AlsaStreamWorker w = new AlsaStreamWorker(stream, pcm);
    w.thread = Thread.ofPlatform().daemon().name("alsa-stream-" + stream.id).start(w);
    return w;
  }

  /** Ends the thread and waits for it; the PCM is untouched from then on. */
  void shutdown() {
    alive = false;
    stream.lock.lock();
    try {
      stream.changed.signalAll();
    } finally {
      stream.lock.unlock();
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits a poll interval (or until shutdown) without touching the failing PCM. */
  private void pause() {
    stream.lock.lock();
    try {
      if (alive) {
        stream.changed.await(WAIT_MS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      alive = false;
    } finally {
      stream.lock.unlock();
    }
  }

  long xruns() {
    return xruns;
  }

  @Override
  public void run() {
    int failures = 0;
    while (alive) {
      MemorySegment chunk;
      int gen;
      int frameBytes;
      stream.lock.lock();
      try {
        PcmParams p = stream.params();
        frameBytes = p.frameBytes();
        chunk = stream.state() == PcmState.START ? stream.nextChunk(p.periodBytes()) : null;
        gen = stream.generation();
        if (chunk == null || chunk.byteSize() < frameBytes) {
          stream.changed.await(WAIT_MS, TimeUnit.MILLISECONDS);
          continue;
        }
      } catch (InterruptedException e) {
        return;
      } finally {
        stream.lock.unlock();
      }
      long frames = chunk.byteSize() / frameBytes;
      long r = pcm.transfer(chunk.asSlice(0, frames * frameBytes), frames);
      if (r == -HostPcm.EAGAIN) {
        pcm.await(WAIT_MS);
      } else if (r < 0) {
        xruns++;
        int rr = pcm.recover((int) r);
        if (rr < 0) {
          failures++;
          LOG.warn("sound: stream {}: {} and recovery failed: {} ({} in a row)", stream.id,
              pcm.describe(r), pcm.describe(rr), failures);
          if (failures >= MAX_FAILED_RECOVERIES) {
            stream.flush(); // give the guest its buffers back rather than hold them forever
            failures = 0;
          }
          pause();
        } else {
          LOG.debug("sound: stream {}: recovered from {}", stream.id, pcm.describe(r));
          failures = 0;
        }
      } else {
        failures = 0;
        stream.advance(gen, r * frameBytes);
      }
    }
  }
}
