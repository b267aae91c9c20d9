// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.vhostuser.testing.QueueHarness;

/**
 * The device's cost per SCMI command, without sockets: 16 requests are published on the command
 * queue, {@code ScmiDevice.handleQueue} parses and answers them, the used ring is read back.
 * {@code message}: base VERSION (no parameters, one value), sensor READING_GET of a fake
 * 3-axis sensor (2 parameters, 12 values), sensor DESCRIPTION_GET of 4 sensors (1 parameter,
 * 29 words). {@code harnessOnly} returns the same requests unread: the guest-side cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class ScmiRequestBenchmark {
  private static final int BATCH = 16;

  @Param({"version", "reading", "description"})
  String message;

  private QueueHarness q;
  private ScmiDevice device;
  private final Buffer[][] chains = new Buffer[BATCH][];

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    q = new QueueHarness(0, 64, ScmiDevice.QUEUE_SIZE);
    List<Sensor> sensors = Scmi.fakes(4);
    device = new ScmiDevice(sensors);
    device.queueStarted(0, q.vq);
    Words out = new Words(16);
    device.handler().handle(ScmiHeader.command(SensorProtocol.PROTOCOL_ID, 0xA), 0, 1, out, 64);
    int[] req = switch (message) {
      case "version" -> new int[] {ScmiHeader.command(ScmiHandler.BASE_PROTOCOL_ID, 0)};
      case "reading" -> new int[] {ScmiHeader.command(SensorProtocol.PROTOCOL_ID, 6), 0, 0};
      default -> new int[] {ScmiHeader.command(SensorProtocol.PROTOCOL_ID, 3), 0};
    };
    ByteBuffer b = ByteBuffer.allocate(req.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int w : req) {
      b.putInt(w);
    }
    for (int i = 0; i < BATCH; i++) {
      long base = QueueHarness.DATA + i * 0x200L;
      q.write(base, b.array());
      chains[i] = new Buffer[] {new Buffer(base, req.length * 4, false),
          new Buffer(base + 0x100, 136, true)};
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    device.close();
    q.close();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int requests() throws Exception {
    for (int i = 0; i < BATCH; i++) {
      q.driver.publish(q.driver.addChain(chains[i]));
    }
    device.handleQueue(0, q.vq);
    q.queue.publishUsed(q.memory);
    int done = 0;
    while (q.driver.pollUsed() != null) {
      done++;
    }
    return done;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int harnessOnly() throws Exception {
    for (int i = 0; i < BATCH; i++) {
      q.driver.publish(q.driver.addChain(chains[i]));
    }
    DescriptorChain c;
    while ((c = q.vq.pop()) != null) {
      q.vq.addUsed(c, 0);
    }
    q.queue.publishUsed(q.memory);
    int done = 0;
    while (q.driver.pollUsed() != null) {
      done++;
    }
    return done;
  }
}
