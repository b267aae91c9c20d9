// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.benchmarks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Memfd;
import org.vhostdevice.sys.Mman;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.backend.BackendSession;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringFdRef;
import org.vhostdevice.vhostuser.protocol.VringState;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * The whole data path of a daemon: a null device served by a real backend session (worker thread
 * in epoll_wait, kick and call eventfds, memfd guest RAM shared over a vhost-user socket pair).
 * The benchmark thread is the guest: it publishes a batch of chains, kicks, and waits for the call
 * and every used element. Scores are per chain; batch1 is the kick→call round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class NullDeviceBenchmark {
  private static final long RAM_GPA = 0x10_0000;
  private static final long RAM_SIZE = 4 << 20;
  private static final int QUEUE_SIZE = 256;

  /** Completes every request with used length 0. */
  static final class NullDevice implements VirtioDevice {
    @Override
    public String name() {
      return "null";
    }

    @Override
    public int deviceType() {
      return 0;
    }

    @Override
    public long features() {
      return COMMON_FEATURES;
    }

    @Override
    public int numQueues() {
      return 1;
    }

    @Override
    public int maxQueueSize(int queue) {
      return QUEUE_SIZE;
    }

    @Override
    public void handleQueue(int queue, VirtQueue vq) throws Exception {
      DescriptorChain c;
      while ((c = vq.pop()) != null) {
        vq.addUsed(c, 0);
      }
    }
  }

  private Connection front;
  private Thread sessionThread;
  private Arena arena;
  private OwnedFd memfd;
  private GuestMemory memory;
  private DriverQueue driver;
  private EventFd kick;
  private EventFd call;
  private Epoll callWait;
  private long buffer;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Connection[] pair = Connection.pair();
    front = pair[0];
    BackendSession session = new BackendSession(new NullDevice(), pair[1]);
    sessionThread = Thread.ofPlatform().daemon(true).start(() -> {
      try {
        session.serve();
      } catch (IOException e) {
        // the benchmark ended the connection
      }
    });
    arena = Arena.ofShared();
    memfd = Memfd.create("bench-ram", RAM_SIZE);
    MemorySegment ram = Mman.mapShared(memfd.fd(), 0, RAM_SIZE, arena);
    GuestRegion region = GuestRegion.ofSegment(RAM_GPA, ram.address(), ram, null);
    memory = GuestMemory.of(List.of(region));
    region.release();
    driver = DriverQueue.layout(memory, QUEUE_SIZE, RAM_GPA);
    driver.setEventIdx(true);
    buffer = RAM_GPA + RAM_SIZE / 2;
    kick = EventFd.create();
    call = EventFd.create();
    callWait = Epoll.create(1);
    callWait.add(call.fd(), Epoll.EPOLLIN, 1);

    long va = ram.address() - RAM_GPA;
    int v = Header.VERSION;
    request(FrontendRequest.GET_FEATURES);
    request(FrontendRequest.GET_PROTOCOL_FEATURES);
    front.send(FrontendRequest.SET_PROTOCOL_FEATURES.code(), v, Payloads.encodeU64(0x1));
    front.send(FrontendRequest.SET_OWNER.code(), v, new byte[0]);
    front.send(FrontendRequest.SET_FEATURES.code(), v, Payloads.encodeU64(VirtioDevice.COMMON_FEATURES));
    front.send(FrontendRequest.SET_MEM_TABLE.code(), v, new MemoryTable(List.of(
        new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, ram.address(), 0))).encode(), memfd.fd());
    front.send(FrontendRequest.SET_VRING_NUM.code(), v, new VringState(0, QUEUE_SIZE).encode());
    front.send(FrontendRequest.SET_VRING_BASE.code(), v, new VringState(0, 0).encode());
    front.send(FrontendRequest.SET_VRING_ADDR.code(), v, new VringAddress(0, 0,
        driver.descTable() + va, driver.usedRing() + va, driver.availRing() + va, 0).encode());
    front.send(FrontendRequest.SET_VRING_KICK.code(), v, new VringFdRef(0, false).encode(), kick.fd());
    front.send(FrontendRequest.SET_VRING_CALL.code(), v, new VringFdRef(0, false).encode(), call.fd());
    front.send(FrontendRequest.SET_VRING_ENABLE.code(), v, new VringState(0, 1).encode());
    // A round trip so that every request above has been applied before we measure.
    request(FrontendRequest.GET_FEATURES);
  }

  private void request(FrontendRequest r) throws IOException {
    front.send(r.code(), Header.VERSION, new byte[0]);
    try (Message m = front.receiveReply(r.code())) {
      m.size();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    front.close();
    sessionThread.join(5000);
    callWait.close();
    kick.close();
    call.close();
    memory.release();
    memfd.close();
    arena.close();
  }

  private void batch(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      driver.publish(driver.addChain(new DriverQueue.Buffer(buffer + 64L * i, 64, true)));
    }
    // Like a guest: tell the device the last index we want to hear about, then kick if asked.
    driver.setUsedEvent((driver.availIdx() - 1) & 0xFFFF);
    if (driver.kickNeeded()) {
      kick.signal();
    }
    int reaped = 0;
    while (reaped < n) {
      while (driver.pollUsed() != null) {
        reaped++;
      }
      if (reaped < n) {
        callWait.await(1000);
        call.read();
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
