// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/**
 * Measurement (not a test; see PERFORMANCE.md): events from the host event device to the guest's
 * used ring over a real vhost-user session (the fake evdev's pipe, the pump's epoll thread, the
 * core's worker, the Java frontend as the guest, EVENT_IDX on).
 *
 * <ol>
 *   <li>latency: one packet (REL_X, REL_Y, SYN_REPORT) written, wait until its three events are
 *       used, repeat; median and 99th percentile per packet;
 *   <li>throughput: a writer thread writes packets as fast as the pipe takes them for a fixed
 *       time while the guest keeps 256 buffers posted; events delivered per second and packets
 *       dropped by the bounded queue.
 * </ol>
 */
public final class InputThroughput {
  private static final long FEATURES = 0x1_7000_0000L & ~(1L << 30);

  /** Bytes allocated so far by the device's reading thread and by the queue worker. */
  private static long[] allocated() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long[] out = new long[2];
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("input-/dev/input/bench")) {
        out[0] += mx.getThreadAllocatedBytes(t.threadId());
      } else if (t.getName().startsWith("vhost-input-worker")) {
        out[1] += mx.getThreadAllocatedBytes(t.threadId());
      }
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    int packets = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dir = Files.createTempDirectory("input-bench");
    FakeEvdevIo io = new FakeEvdevIo();
    InputMain main = new InputMain();
    new CommandLine(main).parseArgs("-s", dir.resolve("in.sock").toString(), "-e",
        "/dev/input/bench", "--log-level", "error");
    Daemon daemon = main.daemon(io);
    daemon.start();
    try (Frontend f = Frontend.connect(dir.resolve("in.sock0"));
        GuestRam ram = GuestRam.create(0x4000_0000L, 4 << 20);
        FrontendQueue eventq = new FrontendQueue(0, ram, 256);
        FrontendQueue statusq = new FrontendQueue(1, ram, 256)) {
      f.qemuInit(2);
      f.start(ram, FEATURES | (1L << 29), eventq, statusq);
      long buf = ram.alloc(8 * 256, 8);
      for (int i = 0; i < 256; i++) {
        eventq.driver().publish(eventq.driver().addChain(new Buffer(buf + 8L * i, 8, true)));
      }
      eventq.kick();
      while (io.opened.isEmpty()) {
        Thread.sleep(1);
      }
      int fd = io.lastFd();
      Thread.sleep(200); // the event queue has started and the pump is attached

      long[] lat0 = allocated();
      long[] ns = new long[packets];
      for (int p = 0; p < packets; p++) {
        long t0 = System.nanoTime();
        io.emit(fd, InputConfig.EV_REL, 0, 1, InputConfig.EV_REL, 1, -1,
            EventPump.EV_SYN, EventPump.SYN_REPORT, 0);
        for (int got = 0; got < 3; ) {
          UsedElement e = eventq.awaitUsed(10_000);
          if (e == null) {
            throw new IllegalStateException("no event after packet " + p);
          }
          got++;
          eventq.driver().publish(eventq.driver().addChain(new Buffer(buf + 8L * e.id(), 8,
              true)));
        }
        eventq.kick();
        ns[p] = System.nanoTime() - t0;
      }
      long[] lat1 = allocated();
      Arrays.sort(ns);
      System.out.printf("latency: %d packets, median %.1f us, p99 %.1f us%n", packets,
          ns[packets / 2] / 1e3, ns[packets * 99 / 100] / 1e3);
      System.out.printf("allocated during the latency run: reading thread %d bytes, worker %d "
          + "bytes%n", lat1[0] - lat0[0], lat1[1] - lat0[1]);

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong written = new AtomicLong();
      Thread writer = Thread.ofPlatform().start(() -> {
        try {
          while (!stop.get()) {
            io.emit(fd, InputConfig.EV_REL, 0, 1, InputConfig.EV_REL, 1, -1,
                EventPump.EV_SYN, EventPump.SYN_REPORT, 0);
            written.incrementAndGet();
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long[] alloc0 = allocated();
      long delivered = 0;
      long t0 = System.nanoTime();
      long end = t0 + seconds * 1_000_000_000L;
      while (System.nanoTime() < end) {
        UsedElement e = eventq.awaitUsed(100);
        if (e == null) {
          continue;
        }
        delivered++;
        eventq.driver().publish(eventq.driver().addChain(new Buffer(buf + 8L * e.id(), 8,
            true)));
        eventq.kick();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      long[] alloc1 = allocated();
      stop.set(true);
      writer.join();
      System.out.printf("throughput: %.0f events/s delivered over %.1f s; %d packets written, "
          + "%d delivered whole or in part, the rest dropped by the full queue%n",
          delivered / secs, secs, written.get(), (delivered + 2) / 3);
      System.out.printf("allocated during the throughput run: reading thread %d bytes, "
          + "worker %d bytes (%.3f bytes per event)%n", alloc1[0] - alloc0[0],
          alloc1[1] - alloc0[1], (alloc1[0] - alloc0[0] + alloc1[1] - alloc0[1])
              / (double) delivered);
    } finally {
      daemon.stop();
    }
  }
}
