// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/** The rng device over fake guest memory, with a file as source and a clock the test moves. */
class RngDeviceTest {
  private static final long R0 = 0x1_0000;
  private static final long R1 = 0x2_0000; // adjacent second region
  private static final long SECOND = 1_000_000_000L;

  @TempDir Path dir;
  private Arena arena;
  private GuestMemory memory;
  private DriverQueue driver;
  private SplitQueue queue;
  private VirtQueue vq;
  private byte[] entropy;
  private EntropySource source;
  private final AtomicLong now = new AtomicLong(1000 * SECOND);

  @BeforeEach
  void setUp() throws Exception {
    arena = Arena.ofShared();
    MemorySegment a = arena.allocate(0x10000, 4096);
    MemorySegment b = arena.allocate(0x10000, 4096);
    List<GuestRegion> regions = List.of(
        GuestRegion.ofSegment(R0, a.address(), a, null), GuestRegion.ofSegment(R1, b.address(), b, null));
    memory = GuestMemory.of(regions);
    regions.forEach(GuestRegion::release);
    driver = DriverQueue.layout(memory, 64, R0);
    queue = new SplitQueue(RngDevice.QUEUE_SIZE);
    queue.setSize(64);
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
    vq = new VirtQueue(0, queue);
    vq.beginBatch(memory);
    entropy = new byte[100_000];
    new java.util.Random(7).nextBytes(entropy);
    source = EntropySource.open(Files.write(dir.resolve("entropy"), entropy));
  }

  @AfterEach
  void tearDown() throws Exception {
    source.close();
    memory.release();
    arena.close();
  }

  private RngDevice device(long periodNanos, long budget) {
    return new RngDevice(source, periodNanos, budget, now::get);
  }

  private UsedElement serve(RngDevice d) throws Exception {
    d.handleQueue(0, vq);
    queue.publishUsed(memory);
    return driver.pollUsed();
  }

  private byte[] guest(long gpa, int n) throws Exception {
    byte[] b = new byte[n];
    memory.read(gpa, MemorySegment.ofArray(b));
    return b;
  }

  @Test
  void fillsTheBufferFromTheSource() throws Exception {
    driver.publish(driver.addChain(new Buffer(R0 + 0x8000, 64, true)));
    UsedElement e = serve(device(SECOND, Long.MAX_VALUE));
    assertEquals(64, e.len());
    assertArrayEquals(Arrays.copyOf(entropy, 64), guest(R0 + 0x8000, 64));
  }

  @Test
  void aBufferSpanningTwoRegionsIsFilledWhole() throws Exception {
    driver.publish(driver.addChain(new Buffer(R1 - 10, 30, true)));
    assertEquals(30, serve(device(SECOND, Long.MAX_VALUE)).len());
    assertArrayEquals(Arrays.copyOf(entropy, 30), guest(R1 - 10, 30));
  }

  @Test
  void consecutiveRequestsGetConsecutiveBytes() throws Exception {
    RngDevice d = device(SECOND, Long.MAX_VALUE);
    driver.publish(driver.addChain(new Buffer(R0 + 0x8000, 16, true)));
    driver.publish(driver.addChain(new Buffer(R0 + 0x9000, 16, true)));
    d.handleQueue(0, vq);
    assertArrayEquals(Arrays.copyOfRange(entropy, 16, 32), guest(R0 + 0x9000, 16));
  }

  @Test
  void moreThanOneDescriptorIsReturnedUnusedAndTheQueueGoesOn() throws Exception {
    RngDevice d = device(SECOND, Long.MAX_VALUE);
    int bad = driver.addChain(new Buffer(R0 + 0x8000, 8, true), new Buffer(R0 + 0x8100, 8, true),
        new Buffer(R0 + 0x8200, 8, true), new Buffer(R0 + 0x8300, 8, true));
    driver.publish(bad);
    int good = driver.addChain(new Buffer(R0 + 0x9000, 8, true));
    driver.publish(good);
    d.handleQueue(0, vq);
    queue.publishUsed(memory);
    assertEquals(new UsedElement(bad, 0), driver.pollUsed());
    assertEquals(new UsedElement(good, 8), driver.pollUsed());
  }

  @Test
  void aReadableDescriptorIsReturnedUnused() throws Exception {
    driver.publish(driver.addChain(new Buffer(R0 + 0x8000, 8, false)));
    assertEquals(0, serve(device(SECOND, Long.MAX_VALUE)).len());
  }

  @Test
  void theBudgetCapsAWindowAndTheRestWaitsWithoutSleeping() throws Exception {
    RngDevice d = device(SECOND, 0x100);
    driver.publish(driver.addChain(new Buffer(R0 + 0x8000, 0x200, true)));
    driver.publish(driver.addChain(new Buffer(R0 + 0x9000, 0x10, true)));
    long t0 = System.nanoTime();
    d.handleQueue(0, vq);
    assertTrue(System.nanoTime() - t0 < SECOND / 2, "the device slept");
    queue.publishUsed(memory);
    assertEquals(0x100, driver.pollUsed().len(), "partial fill up to the budget");
    assertNull(driver.pollUsed(), "the second request waits for the next window");
    long retry = vq.takeRetry();
    assertEquals(SECOND, retry, "callback at the start of the next window");
    assertEquals(1, queue.pending(memory), "the waiting request stays in the ring");
    now.addAndGet(SECOND);
    d.handleQueue(0, vq);
    queue.publishUsed(memory);
    assertEquals(0x10, driver.pollUsed().len());
  }

  @Test
  void anExhaustedFileGivesShortThenEmptyAnswers() throws Exception {
    source.close();
    source = EntropySource.open(Files.write(dir.resolve("small"), new byte[] {1, 2, 3}));
    RngDevice d = device(SECOND, Long.MAX_VALUE);
    driver.publish(driver.addChain(new Buffer(R0 + 0x8000, 8, true)));
    assertEquals(3, serve(d).len());
    driver.publish(driver.addChain(new Buffer(R0 + 0x8000, 8, true)));
    assertEquals(0, serve(d).len());
  }

  @Test
  void aFailingSourceKeepsTheRequestAndAsksForARetry() throws Exception {
    source.close(); // reads now fail
    RngDevice d = device(SECOND, Long.MAX_VALUE);
    driver.publish(driver.addChain(new Buffer(R0 + 0x8000, 8, true)));
    d.handleQueue(0, vq);
    queue.publishUsed(memory);
    assertNull(driver.pollUsed(), "an empty answer would stall the guest driver");
    assertEquals(1, queue.pending(memory));
    assertEquals(RngDevice.MIN_RETRY_NANOS, vq.takeRetry());
  }

  @Test
  void advertisesTheRustFeatureWordAndLayout() {
    RngDevice d = device(SECOND, 1);
    assertEquals(0x1_7100_0000L, d.features());
    assertEquals(4, d.deviceType());
    assertEquals(1, d.numQueues());
    assertEquals(1024, d.maxQueueSize(0));
    assertEquals(0, d.configSize());
  }
}
