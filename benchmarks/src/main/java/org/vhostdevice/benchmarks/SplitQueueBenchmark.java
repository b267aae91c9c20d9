// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;

/**
 * The ring engine alone, in one thread: the driver publishes a batch of one-descriptor chains,
 * the device pops each, completes it and publishes the used ring once, the driver reaps. The
 * score is per chain (one full round trip through descriptor table, avail and used ring).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SplitQueueBenchmark {
  private static final int QUEUE_SIZE = 256;
  private static final long RAM_GPA = 0x10_0000;
  private static final long RAM_SIZE = 1 << 20;

  private Arena arena;
  private GuestMemory memory;
  private DriverQueue driver;
  private SplitQueue queue;
  private final DescriptorChain chain = new DescriptorChain();
  private long bufferGpa;

  @Setup
  public void setUp() throws Exception {
    arena = Arena.ofShared();
    MemorySegment ram = arena.allocate(RAM_SIZE, 4096);
    GuestRegion region = GuestRegion.ofSegment(RAM_GPA, ram.address(), ram, null);
    memory = GuestMemory.of(List.of(region));
    region.release();
    driver = DriverQueue.layout(memory, QUEUE_SIZE, RAM_GPA);
    queue = new SplitQueue(QUEUE_SIZE);
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
    queue.setReady(true);
    bufferGpa = RAM_GPA + RAM_SIZE / 2;
  }

  @TearDown
  public void tearDown() {
    memory.release();
    arena.close();
  }

  private void roundTrip(int batch, Blackhole bh) throws Exception {
    for (int i = 0; i < batch; i++) {
      driver.publish(driver.addChain(new DriverQueue.Buffer(bufferGpa + 64L * i, 64, true)));
    }
    while (queue.pop(memory, chain)) {
      queue.addUsed(memory, chain.head(), 64);
    }
    bh.consume(queue.publishUsed(memory));
    while (driver.pollUsed() != null) {
      // reap: returns the descriptors to the driver's free list
    }
  }

  @Benchmark
  @OperationsPerInvocation(1)
  public void batch1(Blackhole bh) throws Exception {
    roundTrip(1, bh);
  }

  @Benchmark
  @OperationsPerInvocation(16)
  public void batch16(Blackhole bh) throws Exception {
    roundTrip(16, bh);
  }

  @Benchmark
  @OperationsPerInvocation(256)
  public void batch256(Blackhole bh) throws Exception {
    roundTrip(256, bh);
  }
}
