// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.lang.management.ManagementFactory;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;

/**
 * Measures the TX hot path: one 10 ms period (1920 bytes, 48 kHz stereo S16) popped, copied into
 * the stream's ring, paced out by the null backend and completed, per {@code handleQueue}; and
 * the bytes the worker allocates doing it. A main, not a test: nothing asserts on time.
 * Usage: SoundHotPathMeasure [iterations]
 */
public final class SoundHotPathMeasure {
  private SoundHotPathMeasure() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().threadId();
    try (SoundRig rig = new SoundRig(new NullBackend())) {
      rig.status(SoundRig.setParams(0, 7680, 1920, 0, 2, VirtioSnd.FMT_S16, VirtioSnd.RATE_48000));
      rig.status(SoundRig.hdr(VirtioSnd.R_PCM_PREPARE, 0));
      rig.status(SoundRig.hdr(VirtioSnd.R_PCM_START, 0));
      byte[] req = new byte[4 + 1920];
      long data = rig.put(req);
      long status = rig.alloc(8);
      Buffer[] chain = {new Buffer(data, req.length, false), new Buffer(status, 8, true)};
      for (int round = 0; round < 2; round++) { // the first round warms up
        long busy = 0;
        long allocated = 0;
        for (int i = 0; i < iterations; i++) {
          rig.drivers[2].publish(rig.drivers[2].addChain(chain));
          rig.now.addAndGet(10_000_000L); // the period is due when it is served
          rig.vqs[2].beginBatch(rig.memory);
          long a0 = threads.getThreadAllocatedBytes(self);
          long t0 = System.nanoTime();
          rig.device.handleQueue(2, rig.vqs[2]);
          busy += System.nanoTime() - t0;
          allocated += threads.getThreadAllocatedBytes(self) - a0;
          rig.vqs[2].endBatch();
          rig.queues[2].publishUsed(rig.memory);
          while (rig.used(2) != null) {
            // drained: one completion per period once the pipeline is full
          }
        }
        if (round == 1) {
          System.out.printf("TX period (1920 B) queued + paced + completed: %.0f ns per "
              + "handleQueue, %.2f bytes allocated per handleQueue (%d iterations)%n",
              (double) busy / iterations, (double) allocated / iterations, iterations);
        }
      }
    }
  }
}
