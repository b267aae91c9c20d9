// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.FileOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * Sources that end or fail: a regular file at its end, a FIFO without writer, whose writer
 * closes, or that stays silent, and a source whose read fails. Requests must never be lost,
 * the worker never blocked, the retry never a spin, and each state change logged once.
 */
class SourceFaultTest {
  private static final long R0 = 0x1_0000;
  private static final long BUF = R0 + 0x8000;
  private static final Duration NO_HANG = Duration.ofSeconds(10);

  @TempDir Path dir;
  private Arena arena;
  private GuestMemory memory;
  private DriverQueue driver;
  private SplitQueue queue;
  private VirtQueue vq;
  private EntropySource source;
  private RngDevice device;
  private ListAppender<ILoggingEvent> log;

  @BeforeEach
  void setUp() throws Exception {
    arena = Arena.ofShared();
    MemorySegment a = arena.allocate(0x10000, 4096);
    List<GuestRegion> regions = List.of(GuestRegion.ofSegment(R0, a.address(), a, null));
    memory = GuestMemory.of(regions);
    regions.forEach(GuestRegion::release);
    driver = DriverQueue.layout(memory, 64, R0);
    queue = new SplitQueue(RngDevice.QUEUE_SIZE);
    queue.setSize(64);
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
    vq = new VirtQueue(0, queue);
    vq.beginBatch(memory);
    log = new ListAppender<>();
    log.start();
    ((Logger) LoggerFactory.getLogger(EntropySource.class)).addAppender(log);
  }

  @AfterEach
  void tearDown() throws Exception {
    ((Logger) LoggerFactory.getLogger(EntropySource.class)).detachAppender(log);
    if (source != null) {
      source.close();
    }
    memory.release();
    arena.close();
  }

  private void use(EntropySource s) {
    source = s;
    device = new RngDevice(s, 1_000_000_000L, Long.MAX_VALUE, System::nanoTime);
  }

  private Path fifo() throws Exception {
    Path p = dir.resolve("fifo");
    Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    assertEquals(0, mk.waitFor());
    return p;
  }

  /** One request of {@code n} bytes; runs the device once; returns the used length or -1. */
  private int request(int n) throws Exception {
    driver.publish(driver.addChain(new Buffer(BUF, n, true)));
    return serveOnce();
  }

  private int serveOnce() throws Exception {
    assertTimeoutPreemptively(NO_HANG, () -> device.handleQueue(0, vq), "the worker blocked");
    queue.publishUsed(memory);
    var used = driver.pollUsed();
    return used == null ? -1 : used.len();
  }

  private long count(Level level, String text) {
    return log.list.stream()
        .filter(e -> e.getLevel() == level && e.getFormattedMessage().contains(text)).count();
  }

  @Test
  void aRegularFileAtItsEndAnswersZeroAndSaysSoOnce() throws Exception {
    use(EntropySource.open(Files.write(dir.resolve("small"), new byte[] {1, 2, 3})));
    assertEquals(3, request(8));
    assertEquals(0, request(8));
    assertEquals(0, request(8));
    assertEquals(-1, vq.takeRetry(), "an exhausted file is final: no retry");
    assertEquals(1, count(Level.WARN, "is at its end"), log.list.toString());
  }

  @Test
  void anEmptyBufferIsNotMistakenForTheEndOfTheFile() throws Exception {
    use(EntropySource.open(Files.write(dir.resolve("entropy"), new byte[64])));
    assertEquals(0, request(0));
    assertEquals(16, request(16));
    assertEquals(0, count(Level.WARN, "is at its end"), log.list.toString());
  }

  @Test
  void openingAFifoWithoutWriterDoesNotHang() throws Exception {
    Path fifo = fifo();
    assertTimeoutPreemptively(NO_HANG, () -> use(EntropySource.open(fifo)));
    assertTrue(!source.regularFile());
  }

  @Test
  void aFifoWithoutDataKeepsTheRequestAndBacksOffToOneSecond() throws Exception {
    use(EntropySource.open(fifo()));
    assertEquals(-1, request(16));
    assertEquals(1, queue.pending(memory), "the request stays in the ring");
    long expected = RngDevice.MIN_RETRY_NANOS;
    for (int i = 0; i < 10; i++) {
      assertEquals(expected, vq.takeRetry(), "retry " + i);
      assertEquals(-1, serveOnce());
      expected = Math.min(expected * 2, RngDevice.MAX_RETRY_NANOS);
    }
    assertEquals(RngDevice.MAX_RETRY_NANOS, vq.takeRetry(), "capped at one second");
    assertEquals(1, count(Level.WARN, "has no data"), "one line per dry spell: " + log.list);
  }

  @Test
  void aSilentWriterDoesNotBlockTheWorker() throws Exception {
    Path fifo = fifo();
    use(EntropySource.open(fifo));
    try (FileOutputStream writer = new FileOutputStream(fifo.toFile())) {
      assertEquals(-1, request(16));
      assertEquals(1, queue.pending(memory));
      assertTrue(vq.takeRetry() > 0);
    }
  }

  @Test
  void afterTheWriterClosesRequestsWaitAndANewWriterServesThem() throws Exception {
    Path fifo = fifo();
    use(EntropySource.open(fifo));
    try (FileOutputStream writer = new FileOutputStream(fifo.toFile())) {
      writer.write(new byte[] {9, 8, 7, 6, 5});
    }
    assertEquals(5, request(16), "what the writer left is delivered");
    assertEquals(-1, request(16), "then the request waits");
    assertEquals(RngDevice.MIN_RETRY_NANOS, vq.takeRetry());
    assertEquals(-1, serveOnce());
    try (FileOutputStream writer = new FileOutputStream(fifo.toFile())) {
      writer.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    }
    assertEquals(16, serveOnce(), "the waiting request is served from the new writer");
    byte[] got = new byte[4];
    memory.read(BUF, MemorySegment.ofArray(got));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, got);
    assertNull(driver.pollUsed());
    assertEquals(1, count(Level.WARN, "has no data"), log.list.toString());
    assertEquals(1, count(Level.INFO, "delivers again"), log.list.toString());
  }

  @Test
  void aReadErrorKeepsTheRequestAndIsLoggedOnce() throws Exception {
    // read(2) on a directory fails with EISDIR: a real, persistent read error.
    use(EntropySource.open(Files.createDirectory(dir.resolve("not-a-file"))));
    assertEquals(-1, request(16));
    for (int i = 0; i < 5; i++) {
      assertTrue(vq.takeRetry() > 0);
      assertEquals(-1, serveOnce());
    }
    assertEquals(1, queue.pending(memory));
    assertEquals(1, count(Level.ERROR, "failed: read"), log.list.toString());
  }

  @Test
  void aClosedSourceFailsWithoutTouchingAnotherDescriptor() throws Exception {
    use(EntropySource.open(Files.write(dir.resolve("entropy"), new byte[64])));
    source.close();
    assertEquals(-1, request(16));
    assertEquals(1, count(Level.ERROR, "is closed"), log.list.toString());
  }
}
