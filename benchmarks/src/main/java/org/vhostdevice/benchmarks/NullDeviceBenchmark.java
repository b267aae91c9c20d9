// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.benchmarks;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.backend.BackendSession;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.testing.NullDevice;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * The whole data path of a daemon: a null device served by a real backend session (worker thread
 * in epoll_wait, kick and call eventfds, memfd guest RAM shared over a vhost-user socket pair),
 * set up by the Java frontend in QEMU's order with EVENT_IDX. The benchmark thread is the guest:
 * it publishes a batch of chains, kicks if asked to, and waits for the call and every used
 * element. Scores are per chain; batch1 is the kick→call round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class NullDeviceBenchmark {
  private static final int QUEUE_SIZE = 256;

  private Frontend front;
  private Thread sessionThread;
  private GuestRam ram;
  private EventFd masked;
  private FrontendQueue queue;
  private DriverQueue driver;
  private long buffer;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Connection[] pair = Connection.pair();
    BackendSession session = new BackendSession(new NullDevice(1, QUEUE_SIZE), pair[1]);
    sessionThread = Thread.ofPlatform().daemon(true).start(() -> {
      try {
        session.serve();
      } catch (IOException e) {
        // the benchmark ended the connection
      }
    });
    front = Frontend.over(pair[0]);
    ram = GuestRam.create(0x10_0000, 4 << 20);
    masked = EventFd.create();
    queue = new FrontendQueue(0, ram, QUEUE_SIZE);
    driver = queue.driver();
    buffer = ram.alloc(64L * QUEUE_SIZE, 64);
    front.qemuInit(1, masked);
    front.start(ram, VirtioDevice.COMMON_FEATURES, queue);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    front.close();
    sessionThread.join(5000);
    queue.close();
    masked.close();
    ram.close();
  }

  private void batch(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      driver.publish(driver.addChain(new DriverQueue.Buffer(buffer + 64L * i, 64, true)));
    }
    queue.kick();
    for (int reaped = 0; reaped < n; reaped++) {
      if (queue.awaitUsed(1000) == null) {
        throw new IllegalStateException("the backend stopped answering");
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(1)
  public void batch1() throws Exception {
    batch(1);
  }

  @Benchmark
  @OperationsPerInvocation(16)
  public void batch16() throws Exception {
    batch(16);
  }

  @Benchmark
  @OperationsPerInvocation(256)
  public void batch256() throws Exception {
    batch(256);
  }
}
