// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import org.vhostdevice.vhostuser.testing.QueueHarness;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;

/**
 * The device's cost per SPI request, without the kernel: a request (32-byte head, TX, RX, result)
 * is published, the device parses, checks, builds the spi_ioc_transfer array and calls the
 * spidev, then writes the result; the used element is read back. The spidev is a no-op that
 * accepts every ioctl ({@code nop}) or the simulated loopback that copies TX to RX
 * ({@code simulated}). {@code batch} requests per queue pass share one SPI_IOC_MESSAGE.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class SpiRequestBenchmark {
  @Param({"1", "16"})
  int batch;

  @Param({"nop", "simulated"})
  String spidev;

  @Param({"64"})
  int bytes;

  private QueueHarness q;
  private VirtioSpiDevice device;
  private final Buffer[][] chains = new Buffer[16][];

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    q = new QueueHarness(0, 256, VirtioSpiDevice.QUEUE_SIZE);
    Spidev dev = spidev.equals("nop") ? new Spidev() {
      @Override
      public void ioctl(long request, MemorySegment arg) {}

      @Override
      public void close() {}
    } : new SimulatedSpidev(SimulatedSpidev.Controller.demo());
    device = new VirtioSpiDevice(VirtioSpiConfig.of(0, 0, 0, 0x7f, 0), () -> dev,
        new ReentrantLock());
    device.queueStarted(0, q.vq);
    for (int i = 0; i < 16; i++) {
      long base = QueueHarness.DATA + i * 0x400L;
      q.write(base, VirtioSpiDeviceTest.head(0, 8, 1, 1, 0, 1_000_000));
      chains[i] = new Buffer[] {new Buffer(base, 32, false), new Buffer(base + 64, bytes, false),
          new Buffer(base + 0x200, bytes, true), new Buffer(base + 0x3f0, 1, true)};
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    device.queueStopped(0);
    q.close();
  }

  @Benchmark
  @OperationsPerInvocation(16)
  public int requests() throws Exception {
    int done = 0;
    for (int round = 0; round < 16 / batch; round++) {
      for (int i = 0; i < batch; i++) {
        q.driver.publish(q.driver.addChain(chains[i]));
      }
      device.handleQueue(0, q.vq);
      q.queue.publishUsed(q.memory);
      while (q.driver.pollUsed() != null) {
        done++;
      }
    }
    return done;
  }

  /** The same guest side with a device that returns every request unread: the harness cost. */
  @Benchmark
  @OperationsPerInvocation(16)
  public int harnessOnly() throws Exception {
    int done = 0;
    for (int round = 0; round < 16 / batch; round++) {
      for (int i = 0; i < batch; i++) {
        q.driver.publish(q.driver.addChain(chains[i]));
      }
      org.vhostdevice.queue.DescriptorChain c;
      while ((c = q.vq.pop()) != null) {
        q.vq.addUsed(c, 0);
      }
      q.queue.publishUsed(q.memory);
      while (q.driver.pollUsed() != null) {
        done++;
      }
    }
    return done;
  }
}
