// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import org.vhostdevice.vhostuser.testing.QueueHarness;
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
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;

/**
 * The device's cost per CAN frame, without the kernel: {@code transmit} publishes 16 classic
 * frames, the device checks and hands each to an interface that accepts everything;
 * {@code receive} puts 16 frames in the receive FIFO and lets the device fill 16 guest buffers.
 * {@code harnessOnly} is the guest side alone (the device returns every chain unread).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class CanFrameBenchmark {
  private static final int N = 16;
  private QueueHarness tx;
  private QueueHarness rx;
  private CanRxFifo fifo;
  private VirtioCanDevice device;
  private final CanFrame incoming = FakeCanBus.frame(0x123, false, new byte[8]);
  private final Buffer[][] txChains = new Buffer[N][];
  private final Buffer[] rxBuffers = new Buffer[N];

  /** An interface that takes every frame and never receives: the device's own cost only. */
  static final class NullBus implements CanBus {
    private final org.vhostdevice.sys.EventFd never;

    NullBus() throws Exception {
      never = org.vhostdevice.sys.EventFd.create();
    }

    @Override
    public String name() {
      return "null0";
    }

    @Override
    public boolean fdCapable() {
      return true;
    }

    @Override
    public void send(CanFrame frame) {}

    @Override
    public boolean receive(CanFrame into) {
      return false;
    }

    @Override
    public int pollFd() {
      return never.fd();
    }

    @Override
    public void close() {}
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    tx = new QueueHarness(VirtioCan.TXQ, 64, 64);
    rx = new QueueHarness(VirtioCan.RXQ, 64, 64);
    QueueHarness ctrl = new QueueHarness(VirtioCan.CONTROLQ, 64, 64);
    NullBus bus = new NullBus();
    device = new VirtioCanDevice("null0", n -> bus, true);
    device.ackFeatures(VirtioCanDeviceTest.CLASSIC | VirtioCanDeviceTest.FD);
    device.queueStarted(VirtioCan.TXQ, tx.vq);
    device.queueStarted(VirtioCan.RXQ, rx.vq);
    device.queueStarted(VirtioCan.CONTROLQ, ctrl.vq);
    ctrl.write(QueueHarness.DATA, new byte[] {0x01, 0x02});
    ctrl.driver.publish(ctrl.driver.addChain(new Buffer(QueueHarness.DATA, 2, false),
        new Buffer(QueueHarness.DATA + 16, 1, true)));
    device.handleQueue(VirtioCan.CONTROLQ, ctrl.vq); // START
    java.lang.reflect.Field f = VirtioCanDevice.class.getDeclaredField("fifo");
    f.setAccessible(true);
    fifo = (CanRxFifo) f.get(device);
    for (int i = 0; i < N; i++) {
      long base = QueueHarness.DATA + 0x100L * i;
      tx.write(base, VirtioCanDeviceTest.txFrame(VirtioCan.VIRTIO_CAN_TX, 0, 0x100 + i,
          new byte[8]));
      txChains[i] = new Buffer[] {new Buffer(base, 24, false), new Buffer(base + 0x80, 1, true)};
      rxBuffers[i] = new Buffer(base, 80, true);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    device.queueStopped(VirtioCan.TXQ);
    device.queueStopped(VirtioCan.RXQ);
    device.queueStopped(VirtioCan.CONTROLQ);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public int transmit() throws Exception {
    for (int i = 0; i < N; i++) {
      tx.driver.publish(tx.driver.addChain(txChains[i]));
    }
    device.handleQueue(VirtioCan.TXQ, tx.vq);
    return drain(tx);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public int receive() throws Exception {
    for (int i = 0; i < N; i++) {
      fifo.offer(incoming);
      rx.driver.publish(rx.driver.addChain(rxBuffers[i]));
    }
    device.handleQueue(VirtioCan.RXQ, rx.vq);
    return drain(rx);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public int harnessOnly() throws Exception {
    for (int i = 0; i < N; i++) {
      tx.driver.publish(tx.driver.addChain(txChains[i]));
    }
    DescriptorChain c;
    while ((c = tx.vq.pop()) != null) {
      tx.vq.addUsed(c, 0);
    }
    return drain(tx);
  }

  private static int drain(QueueHarness q) throws Exception {
    q.queue.publishUsed(q.memory);
    int n = 0;
    while (q.driver.pollUsed() != null) {
      n++;
    }
    return n;
  }
}
