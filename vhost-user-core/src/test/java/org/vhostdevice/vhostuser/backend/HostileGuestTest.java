// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.vhostuser.backend.SessionFixture.FEATURES;
import static org.vhostdevice.vhostuser.backend.SessionFixture.RAM_GPA;
import static org.vhostdevice.vhostuser.backend.SessionFixture.RAM_SIZE;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.VirtqDesc;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * The hostile-guest suite (docs/reliability.md): a guest that writes rings no driver would, on
 * queue 0 of a two-queue device served by the real workers. Each malformed request is returned
 * with used length 0, or the ring is marked broken with one log line; queue 1 keeps working; and
 * no worker thread burns CPU afterwards.
 */
class HostileGuestTest {
  private static final int SIZE = 64;
  private static final long BUFFERS = RAM_GPA + 0x8_0000;
  private static final long WAIT_MILLIS = 10_000;

  private SessionFixture f;
  private EventFd kick0;
  private EventFd kick1;
  private EventFd call;
  private DriverQueue q0;
  private DriverQueue q1;
  private ListAppender<ILoggingEvent> log;

  @BeforeEach
  void setUp() throws Exception {
    log = new ListAppender<>();
    log.start();
    ((Logger) LoggerFactory.getLogger(VringWorker.class)).addAppender(log);
    ((Logger) LoggerFactory.getLogger(VirtQueue.class)).addAppender(log);
    f = new SessionFixture(new FuzzDevice());
    kick0 = EventFd.create();
    kick1 = EventFd.create();
    call = EventFd.create();
    f.negotiate(FEATURES);
    q0 = f.startQueue(0, SIZE, RAM_GPA, kick0, call);
    q1 = f.startQueue(1, SIZE, RAM_GPA + 0x1_0000, kick1, call);
  }

  @AfterEach
  void tearDown() {
    f.close();
    kick0.close();
    kick1.close();
    call.close();
    ((Logger) LoggerFactory.getLogger(VringWorker.class)).detachAppender(log);
    ((Logger) LoggerFactory.getLogger(VirtQueue.class)).detachAppender(log);
  }

  private static UsedElement awaitUsed(DriverQueue q) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    UsedElement e;
    while ((e = q.pollUsed()) == null && System.currentTimeMillis() < deadline) {
      Thread.sleep(2);
    }
    return e;
  }

  /** Publishes {@code head} on queue 0 and expects it back, unused. */
  private void expectReturnedEmpty(int head) throws Exception {
    q0.publish(head);
    kick0.signal();
    UsedElement e = awaitUsed(q0);
    assertNotNull(e, "the malformed request never came back");
    assertEquals(head, e.id());
    assertEquals(0, e.len());
    assertEquals(1, lines("malformed descriptor chain"), "one warning for the first one");
  }

  /** A well-formed request on {@code q} is still served. */
  private void expectServed(DriverQueue q, EventFd kick, long at) throws Exception {
    int head = q.addChain(new Buffer(at, 8, false), new Buffer(at + 8, 24, true));
    q.publish(head);
    kick.signal();
    UsedElement e = awaitUsed(q);
    assertNotNull(e, "a good request was not served");
    assertEquals(head, e.id());
    assertEquals(24, e.len());
  }

  private long lines(String containing) {
    return log.list.stream().filter(e -> e.getFormattedMessage().contains(containing)).count();
  }

  /** Neither worker may burn CPU: total CPU over a 1 s window stays far below one core's 1 s. */
  private static void assertWorkersIdle() throws InterruptedException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long[] ids = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("vhost-fuzz-worker"))
        .mapToLong(Thread::threadId)
        .toArray();
    assertEquals(2, ids.length, "two workers");
    long before = 0;
    for (long id : ids) {
      before += mx.getThreadCpuTime(id);
    }
    Thread.sleep(1000);
    long after = 0;
    for (long id : ids) {
      after += mx.getThreadCpuTime(id);
    }
    long cpuMillis = (after - before) / 1_000_000;
    // A spinning worker would use close to 1000 ms here; an idle one uses ~0.
    assertTrue(cpuMillis < 300, "workers used " + cpuMillis + " ms of CPU in 1 s while idle");
  }

  @Test
  void descriptorLoop() throws Exception {
    q0.writeDescriptor(0, BUFFERS, 16, VirtqDesc.F_NEXT, 1);
    q0.writeDescriptor(1, BUFFERS + 16, 16, VirtqDesc.F_NEXT, 0);
    expectReturnedEmpty(0);
    expectServed(q1, kick1, BUFFERS + 0x1000);
    assertWorkersIdle();
  }

  @Test
  void chainLongerThanTheQueue() throws Exception {
    for (int i = 0; i < SIZE; i++) {
      q0.writeDescriptor(i, BUFFERS + 16L * i, 16, VirtqDesc.F_NEXT, (i + 1) % SIZE);
    }
    expectReturnedEmpty(0);
    expectServed(q1, kick1, BUFFERS + 0x1000);
    assertWorkersIdle();
  }

  @Test
  void nextIndexOutOfRange() throws Exception {
    q0.writeDescriptor(0, BUFFERS, 16, VirtqDesc.F_NEXT, SIZE + 5);
    expectReturnedEmpty(0);
    expectServed(q0, kick0, BUFFERS + 0x2000);
  }

  @Test
  void headOutOfRangeIsSkippedAndTheQueueGoesOn() throws Exception {
    q0.publish(SIZE + 100); // no such descriptor: nothing can be returned for it
    kick0.signal();
    expectServed(q0, kick0, BUFFERS + 0x2000);
    assertEquals(1, lines("head index is outside"));
  }

  @Test
  void bufferOutsideGuestMemory() throws Exception {
    q0.writeDescriptor(0, RAM_GPA + RAM_SIZE - 8, 16, VirtqDesc.F_WRITE, 0); // runs off the end
    expectReturnedEmpty(0);
    expectServed(q0, kick0, BUFFERS + 0x2000);
  }

  @Test
  void addressThatWrapsTheAddressSpace() throws Exception {
    q0.writeDescriptor(0, -8, 16, VirtqDesc.F_WRITE, 0);
    expectReturnedEmpty(0);
    expectServed(q0, kick0, BUFFERS + 0x2000);
  }

  @Test
  void lengthsThatOverflowTwoToTheThirtyTwo() throws Exception {
    q0.writeDescriptor(0, BUFFERS, 0xFFFF_FFFF, VirtqDesc.F_NEXT, 1);
    q0.writeDescriptor(1, BUFFERS, 0xFFFF_FFFF, VirtqDesc.F_WRITE, 0);
    expectReturnedEmpty(0);
    expectServed(q0, kick0, BUFFERS + 0x2000);
  }

  @Test
  void indirectTableInsideAnIndirectTable() throws Exception {
    long outer = BUFFERS + 0x3000;
    long inner = BUFFERS + 0x4000;
    f.memory.slice(inner, 16).fill((byte) 0);
    int head = q0.addIndirectChain(outer, new Buffer(inner, 16, false));
    // Turn the outer table's only entry into an indirect descriptor.
    f.memory.slice(outer + VirtqDesc.FLAGS, 2).set(
        java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) VirtqDesc.F_INDIRECT);
    expectReturnedEmpty(head);
    expectServed(q0, kick0, BUFFERS + 0x2000);
  }

  @Test
  void indirectTableOfAbsurdLength() throws Exception {
    q0.writeDescriptor(0, BUFFERS, 17, VirtqDesc.F_INDIRECT, 0); // not a multiple of 16
    expectReturnedEmpty(0);
    expectServed(q0, kick0, BUFFERS + 0x2000);
  }

  @Test
  void availableIndexFarAheadBreaksOnlyThatQueueWithOneLogLine() throws Exception {
    q0.setAvailIdx(q0.availIdx() + 1000);
    kick0.signal();
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (lines("stopped, the ring is unusable") == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(1, lines("stopped, the ring is unusable"));
    // More kicks on the broken ring: nothing is processed, nothing more is logged.
    for (int i = 0; i < 100; i++) {
      kick0.signal();
    }
    assertWorkersIdle();
    assertEquals(1, lines("stopped, the ring is unusable"), "logged once only");
    assertNull(q0.pollUsed());
    expectServed(q1, kick1, BUFFERS + 0x1000);
  }

  @Test
  void aFloodOfMalformedChainsIsLoggedOncePerThousand() throws Exception {
    q0.writeDescriptor(0, BUFFERS, 16, VirtqDesc.F_NEXT, 0); // a loop onto itself
    for (int round = 0; round < 40; round++) {
      for (int i = 0; i < SIZE / 2; i++) {
        q0.publish(0);
      }
      kick0.signal();
      for (int i = 0; i < SIZE / 2; i++) {
        assertNotNull(awaitUsed(q0));
      }
    }
    assertEquals(2, lines("malformed descriptor chain"), "the 1st and the 1000th");
    expectServed(q1, kick1, BUFFERS + 0x1000);
    assertWorkersIdle();
  }
}
