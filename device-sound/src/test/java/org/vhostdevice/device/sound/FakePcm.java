// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host PCM that behaves like alsa-lib's non-blocking one but scripted: queued results (an
 * xrun, EAGAIN) come before normal transfers; played frames are recorded; recover() answers as
 * told. Thread-safe enough for one stream thread plus the test reading the counters.
 */
final class FakePcm implements HostPcm {
  final Deque<Long> script = new ArrayDeque<>();
  final ByteArrayOutputStream played = new ByteArrayOutputStream();
  final AtomicInteger recovers = new AtomicInteger();
  final AtomicInteger waits = new AtomicInteger();
  volatile int recoverResult = 0;
  volatile boolean closed;
  volatile boolean started;
  private int frameBytes = 1;

  @Override
  public void configure(PcmParams p, long periodFrames, long bufferFrames) {
    frameBytes = p.frameBytes();
  }

  @Override
  public void prepare() {}

  @Override
  public void start() {
    started = true;
  }

  @Override
  public void drop() {
    started = false;
  }

  @Override
  public synchronized long transfer(MemorySegment buffer, long frames) {
    Long scripted = script.poll();
    if (scripted != null) {
      return scripted;
    }
    played.writeBytes(buffer.asSlice(0, frames * frameBytes).toArray(
        java.lang.foreign.ValueLayout.JAVA_BYTE));
    return frames;
  }

  @Override
  public int await(int timeoutMs) {
    waits.incrementAndGet();
    return 1;
  }

  @Override
  public int recover(int error) {
    recovers.incrementAndGet();
    return recoverResult;
  }

  @Override
  public String describe(long error) {
    return "error " + error;
  }

  @Override
  public void close() {
    closed = true;
  }

  synchronized byte[] playedBytes() {
    return played.toByteArray();
  }
}
