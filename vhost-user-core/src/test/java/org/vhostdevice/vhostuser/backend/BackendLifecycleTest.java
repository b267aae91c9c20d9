// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.vhostuser.backend.SessionFixture.FEATURES;
import static org.vhostdevice.vhostuser.backend.SessionFixture.RAM_GPA;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.protocol.ConfigSpace;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.VringState;

/** Ring start/stop rules, quiescing and resynchronisation, over a real socket pair and memfd. */
class BackendLifecycleTest {
  private static final long RING0 = RAM_GPA;
  private static final long BUFFERS = RAM_GPA + 0x80000;

  private final TestDevice device = new TestDevice();
  private SessionFixture f;
  private EventFd kick;
  private EventFd call;

  @BeforeEach
  void setUp() throws Exception {
    f = new SessionFixture(device);
    kick = EventFd.create();
    call = EventFd.create();
  }

  @AfterEach
  void tearDown() throws Exception {
    f.close();
    kick.close();
    call.close();
  }

  private static boolean awaitCall(EventFd call, long millis) throws Exception {
    try (Epoll e = Epoll.create(1)) {
      e.add(call.fd(), Epoll.EPOLLIN, 1);
      boolean got = e.await((int) millis) == 1;
      call.read();
      return got;
    }
  }

  private UsedElement awaitUsed(DriverQueue d) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      UsedElement e = d.pollUsed();
      if (e != null) {
        return e;
      }
      awaitCall(call, 50);
    }
    return null;
  }

  private int publishOne(DriverQueue d, int offset) {
    int head = d.addChain(new Buffer(BUFFERS + offset, 16, true));
    d.publish(head);
    return head;
  }

  @Test
  void requestFlowsAndTheGuestIsNotified() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    awaitCall(call, 200); // the signal every new call fd of a running ring gets
    int head = publishOne(d, 0);
    kick.signal();
    assertTrue(awaitCall(call, 10_000), "no call after the request");
    UsedElement e = d.pollUsed();
    assertEquals(head, e.id());
    assertEquals(16, e.len());
  }

  @Test
  void kickWhileDisabledIsSeenOnEnable() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    assertEquals(0, f.acked(FrontendRequest.SET_VRING_ENABLE, new VringState(0, 0).encode()));
    publishOne(d, 0);
    kick.signal();
    Thread.sleep(200);
    assertEquals(0, device.handled.get(), "a disabled ring must not be processed");
    assertEquals(0, f.acked(FrontendRequest.SET_VRING_ENABLE, new VringState(0, 1).encode()));
    assertNotNull(awaitUsed(d), "the kick sent while disabled was lost");
  }

  @Test
  void buffersMadeAvailableWithoutAKickAreServedWhenTheRingStarts() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = DriverQueue.layout(f.memory, 64, RING0);
    publishOne(d, 0); // before the backend knows the ring, and no kick: nothing to wake it
    f.startQueue(0, d, kick, call);
    assertNotNull(awaitUsed(d));
  }

  @Test
  void aDeviceCanAskToBeCalledAgainWithoutAKick() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    Thread.sleep(100); // let the start-up self-kick pass
    device.deferNanos = TimeUnit.MILLISECONDS.toNanos(100);
    publishOne(d, 0);
    long t0 = System.nanoTime();
    kick.signal();
    assertNotNull(awaitUsed(d));
    long waited = System.nanoTime() - t0;
    assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(90), "served before the retry time");
    assertEquals(1, device.handled.get());
  }

  @Test
  void aWakeFromAnotherThreadRunsTheDeviceWithoutAKick() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    Thread.sleep(100); // let the start-up self-kick pass
    device.deferNanos = TimeUnit.SECONDS.toNanos(60); // only a wake can bring it back in time
    publishOne(d, 0);
    kick.signal();
    Thread.sleep(100);
    assertEquals(0, device.handled.get());
    Thread.ofPlatform().start(() -> device.queues[0].wake()).join();
    assertNotNull(awaitUsed(d), "the wake did not run the device");
    assertEquals(1, device.handled.get());
  }

  @Test
  void aWakeAfterTheSessionEndedIsIgnored() throws Exception {
    f.negotiate(FEATURES);
    f.startQueue(0, 64, RING0, kick, call);
    Thread.sleep(100);
    VirtQueue vq = device.queues[0];
    int calls = device.calls.get();
    f.close();
    vq.wake(); // the session's eventfd is closed; this must neither throw nor reach the device
    Thread.sleep(100);
    assertEquals(calls, device.calls.get());
  }

  @Test
  void aPendingRetryDoesNotDelayGetVringBase() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    Thread.sleep(100);
    device.deferNanos = TimeUnit.SECONDS.toNanos(30);
    publishOne(d, 0);
    kick.signal();
    Thread.sleep(100);
    long t0 = System.nanoTime();
    assertEquals(0, readBase(), "the deferred request is still in the ring for the next backend");
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void withoutProtocolFeaturesRingsAreEnabledBySetFeatures() throws Exception {
    f.negotiate(VirtioFeatures.VERSION_1);
    DriverQueue d = DriverQueue.layout(f.memory, 64, RING0);
    f.send(FrontendRequest.SET_VRING_NUM, new VringState(0, 64).encode());
    f.send(FrontendRequest.SET_VRING_ADDR, new org.vhostdevice.vhostuser.protocol.VringAddress(0, 0,
        f.userAddr(d.descTable()), f.userAddr(d.usedRing()), f.userAddr(d.availRing()), 0).encode());
    f.send(FrontendRequest.SET_VRING_CALL, SessionFixture.fdRef(0, call), call.fd());
    f.send(FrontendRequest.SET_VRING_KICK, SessionFixture.fdRef(0, kick), kick.fd());
    publishOne(d, 0);
    kick.signal();
    assertNotNull(awaitUsed(d));
  }

  @Test
  void setVringEnableWithoutProtocolFeaturesClosesTheConnection() throws Exception {
    f.negotiate(VirtioFeatures.VERSION_1);
    f.send(FrontendRequest.SET_VRING_ENABLE, new VringState(0, 1).encode());
    assertTrue(f.backendClosed());
  }

  @Test
  void getVringBaseWaitsForTheBatchInProgressAndNothingIsWrittenAfterwards() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    device.gate = new Semaphore(0);
    publishOne(d, 0);
    kick.signal();
    assertTrue(device.inside.await(10, TimeUnit.SECONDS));
    f.send(FrontendRequest.GET_VRING_BASE, new VringState(0, 0).encode());
    Thread.sleep(200);
    assertEquals(0, d.usedIdx(), "the reply must wait for the worker");
    device.gate.release(100);
    int base;
    try (Message m = f.front.receiveReply(FrontendRequest.GET_VRING_BASE.code())) {
      base = VringState.decode(m).num();
    }
    assertEquals(1, base);
    int usedAtReply = d.usedIdx();
    assertEquals(1, usedAtReply, "the batch finished before the reply");
    device.gate = null;
    publishOne(d, 16);
    kick.signal();
    Thread.sleep(200);
    assertEquals(usedAtReply, d.usedIdx(), "a stopped ring was written");
    assertEquals(1, device.stopped.get());
  }

  @Test
  void reconnectResumesAtTheUsedIndexInGuestMemory() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    for (int i = 0; i < 3; i++) {
      publishOne(d, 16 * i);
      kick.signal();
      assertNotNull(awaitUsed(d));
    }
    assertEquals(3, readBase());
    // A new session (new backend) takes over the same ring, as after a daemon restart.
    try (SessionFixture second = new SessionFixture(new TestDevice());
        EventFd kick2 = EventFd.create();
        EventFd call2 = EventFd.create()) {
      second.negotiate(FEATURES);
      // Share the first session's guest RAM: same memfd, same addresses.
      assertEquals(0, second.acked(FrontendRequest.SET_MEM_TABLE,
          new org.vhostdevice.vhostuser.protocol.MemoryTable(java.util.List.of(
              new org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor(
                  RAM_GPA, SessionFixture.RAM_SIZE, f.ram.address(), 0))).encode(),
          f.memfd.fd()));
      assertEquals(0, second.acked(FrontendRequest.SET_VRING_NUM, new VringState(0, 64).encode()));
      assertEquals(0, second.acked(FrontendRequest.SET_VRING_BASE, new VringState(0, 3).encode()));
      assertEquals(0, second.acked(FrontendRequest.SET_VRING_ADDR,
          new org.vhostdevice.vhostuser.protocol.VringAddress(0, 0, f.userAddr(d.descTable()),
              f.userAddr(d.usedRing()), f.userAddr(d.availRing()), 0).encode()));
      assertEquals(0, second.acked(FrontendRequest.SET_VRING_KICK,
          SessionFixture.fdRef(0, kick2), kick2.fd()));
      assertEquals(0, second.acked(FrontendRequest.SET_VRING_CALL,
          SessionFixture.fdRef(0, call2), call2.fd()));
      assertEquals(0, second.acked(FrontendRequest.SET_VRING_ENABLE, new VringState(0, 1).encode()));
      int head = publishOne(d, 64);
      kick2.signal();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      UsedElement e = null;
      while (e == null && System.nanoTime() < deadline) {
        e = d.pollUsed();
        Thread.sleep(5);
      }
      assertNotNull(e);
      assertEquals(head, e.id(), "the element must land in slot 3, after the old ones");
      assertEquals(4, d.usedIdx());
    }
  }

  private int readBase() throws Exception {
    try (Message m = f.request(FrontendRequest.GET_VRING_BASE, new VringState(0, 0).encode())) {
      return VringState.decode(m).num();
    }
  }

  @Test
  void callEventfdCanBeReplacedWhileRunning() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    awaitCall(call, 200); // the signal every new call fd of a running ring gets
    try (EventFd other = EventFd.create()) {
      assertEquals(0, f.acked(FrontendRequest.SET_VRING_CALL, SessionFixture.fdRef(0, other),
          other.fd()));
      publishOne(d, 0);
      kick.signal();
      assertTrue(awaitCall(other, 10_000), "the new call eventfd was not signalled");
      assertFalse(awaitCall(call, 100), "the old call eventfd was signalled");
    }
  }

  @Test
  void aCallEventfdSwappedWhileTheRingRunsIsSignalledOnceSoNoCompletionIsLost() throws Exception {
    f.negotiate(FEATURES);
    f.startQueue(0, 64, RING0, kick, call);
    try (EventFd other = EventFd.create()) {
      assertEquals(0, f.acked(FrontendRequest.SET_VRING_CALL, SessionFixture.fdRef(0, other),
          other.fd()));
      assertTrue(awaitCall(other, 10_000), "a completion sent to the old fd could be lost");
    }
  }

  @Test
  void aCallEventfdSetBeforeTheRingStartsIsNotSignalled() throws Exception {
    f.negotiate(FEATURES);
    try (EventFd early = EventFd.create()) {
      assertEquals(0, f.acked(FrontendRequest.SET_VRING_CALL, SessionFixture.fdRef(0, early),
          early.fd()));
      assertFalse(awaitCall(early, 200));
    }
  }

  @Test
  void noFdCallMeansNoNotificationButRequestsAreServed() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, null);
    publishOne(d, 0);
    kick.signal();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (d.usedIdx() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(1, d.usedIdx());
  }

  @Test
  void memoryTableCanBeReplacedWhileTheRingRuns() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    for (int i = 0; i < 20; i++) {
      publishOne(d, 0);
      kick.signal();
      assertEquals(0, f.setMemTable());
      assertNotNull(awaitUsed(d));
    }
    assertEquals(20, device.handled.get());
  }

  @Test
  void memoryRegionsCanBeAddedAndRemovedWhileTheRingRuns() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    try (org.vhostdevice.sys.OwnedFd extra = org.vhostdevice.sys.Memfd.create("hotplug", 0x10000)) {
      var region = new org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor(
          0x1000_0000L, 0x10000, 0x7000_0000_0000L, 0);
      byte[] single = new org.vhostdevice.vhostuser.protocol.SingleMemoryRegion(region).encode();
      assertEquals(0, f.acked(FrontendRequest.ADD_MEM_REG, single, extra.fd()));
      assertEquals(2, f.session.memory.peek().regionCount());
      publishOne(d, 0);
      kick.signal();
      assertNotNull(awaitUsed(d));
      assertEquals(0, f.acked(FrontendRequest.REM_MEM_REG, single));
      assertEquals(1, f.session.memory.peek().regionCount());
      publishOne(d, 16);
      kick.signal();
      assertNotNull(awaitUsed(d));
      assertEquals(1, f.acked(FrontendRequest.REM_MEM_REG, single), "removing it twice fails");
    }
  }

  @Test
  void setVringCallBeforeAnyMemoryTableIsAccepted() throws Exception {
    f.getU64(FrontendRequest.GET_FEATURES);
    long protocol = f.getU64(FrontendRequest.GET_PROTOCOL_FEATURES);
    f.send(FrontendRequest.SET_PROTOCOL_FEATURES, Payloads.encodeU64(protocol));
    assertEquals(0, f.acked(FrontendRequest.SET_OWNER, new byte[0]));
    assertEquals(0, f.acked(FrontendRequest.SET_VRING_CALL, SessionFixture.fdRef(1, call), call.fd()));
    assertEquals(0, device.started.get());
  }

  @Test
  void resetDeviceDisablesRingsAndResetsTheDevice() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    assertEquals(0, f.acked(FrontendRequest.RESET_DEVICE, new byte[0]));
    assertEquals(1, device.resets.get());
    assertEquals(1, device.stopped.get());
    publishOne(d, 0);
    kick.signal();
    Thread.sleep(200);
    assertEquals(0, device.handled.get());
  }

  @Test
  void configSpaceReadsAndRefusedWritesKeepTheSession() throws Exception {
    f.negotiate(FEATURES);
    try (Message m = f.request(FrontendRequest.GET_CONFIG, new ConfigSpace(0, 8, 0, new byte[8]).encode())) {
      assertArrayEquals(device.config, ConfigSpace.decode(m).data());
    }
    assertEquals(0, f.acked(FrontendRequest.SET_CONFIG, new ConfigSpace(0, 1, 0, new byte[] {9}).encode()));
    assertEquals(9, device.config[0]);
    assertEquals(1, f.acked(FrontendRequest.SET_CONFIG, new ConfigSpace(4, 1, 0, new byte[] {9}).encode()),
        "a refused write is a failure ack");
    assertEquals(device.features(), f.getU64(FrontendRequest.GET_FEATURES),
        "the session goes on after a refused write");
  }

  @Test
  void outOfRangeConfigReadIsAnsweredWithSizeZero() throws Exception {
    f.negotiate(FEATURES);
    try (Message m = f.request(FrontendRequest.GET_CONFIG, new ConfigSpace(4, 8, 0, new byte[8]).encode())) {
      assertEquals(12, m.size());
    }
  }

  @Test
  void queueNumAndMemSlotsAreReported() throws Exception {
    f.negotiate(FEATURES);
    assertEquals(2, f.getU64(FrontendRequest.GET_QUEUE_NUM));
    assertEquals(MemoryRequests.MAX_MEM_SLOTS, f.getU64(FrontendRequest.GET_MAX_MEM_SLOTS));
  }

  @Test
  void aCorruptRingStopsOnlyItsQueueAndReprogrammingRevivesIt() throws Exception {
    f.negotiate(FEATURES);
    DriverQueue bad = f.startQueue(0, 64, RING0, kick, call);
    try (EventFd kick1 = EventFd.create(); EventFd call1 = EventFd.create()) {
      DriverQueue good = f.startQueue(1, 64, RING0 + 0x4000, kick1, call1);
      bad.setAvailIdx(1000); // far more than a ring ahead of next_avail
      kick.signal();
      Thread.sleep(200);
      assertEquals(0, device.handled.get());
      good.publish(good.addChain(new Buffer(BUFFERS + 0x1000, 8, true)));
      kick1.signal();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (good.usedIdx() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(1, good.usedIdx(), "the other queue keeps working");
      // The frontend programs queue 0 afresh (as after a guest reset): it serves again.
      DriverQueue again = f.startQueue(0, 64, RING0, kick, call);
      publishOne(again, 0);
      kick.signal();
      assertNotNull(awaitUsed(again));
    }
  }

  @Test
  void aDeviceThatThrowsMidRequestLosesNoBufferAndKeepsServing() throws Exception {
    aDeviceThatFailsMidRequestLosesNoBufferAndKeepsServing(new IllegalStateException("bug"));
  }

  @Test
  void aDeviceThatFailsAnAssertionMidRequestLosesNoBufferAndKeepsServing() throws Exception {
    // FFM reports misuse (a heap segment passed to a downcall) as AssertionError, not Exception.
    aDeviceThatFailsMidRequestLosesNoBufferAndKeepsServing(new AssertionError("bug"));
  }

  @Test
  void aDeviceWithAClassThatFailsToLoadLosesNoBufferAndKeepsServing() throws Exception {
    aDeviceThatFailsMidRequestLosesNoBufferAndKeepsServing(new NoClassDefFoundError("Gone"));
  }

  private void aDeviceThatFailsMidRequestLosesNoBufferAndKeepsServing(Throwable bug)
      throws Exception {
    f.negotiate(FEATURES);
    DriverQueue d = f.startQueue(0, 64, RING0, kick, call);
    Thread.sleep(100);
    device.failNext = bug;
    int first = publishOne(d, 0);
    kick.signal();
    UsedElement e = awaitUsed(d);
    assertNotNull(e, "the failed request was not given back");
    assertEquals(first, e.id());
    assertEquals(0, e.len());
    int second = publishOne(d, 16);
    kick.signal();
    UsedElement next = awaitUsed(d);
    assertNotNull(next);
    assertEquals(second, next.id());
    assertEquals(16, next.len());
  }

  @Test
  void setProtocolFeaturesThatTurnsReplyAckOnIsItselfAcked() throws Exception {
    f.getU64(FrontendRequest.GET_FEATURES);
    long protocol = f.getU64(FrontendRequest.GET_PROTOCOL_FEATURES);
    assertEquals(0, f.acked(FrontendRequest.SET_PROTOCOL_FEATURES, Payloads.encodeU64(protocol)));
  }

  @Test
  void resetOwnerKeepsTheProtocolAgreement() throws Exception {
    f.negotiate(FEATURES);
    assertEquals(0, f.acked(FrontendRequest.RESET_OWNER, new byte[0]));
    assertEquals(0, f.acked(FrontendRequest.SET_OWNER, new byte[0]), "owner can be set again");
    assertEquals(2, f.getU64(FrontendRequest.GET_QUEUE_NUM), "MQ is still agreed");
  }

  @Test
  void peerHangUpMidMessageIsADisconnectNotAnError() throws Exception {
    f.front.sendRaw(new byte[] {1, 0, 0, 0, 1, 0});
    f.front.close();
    f.thread.join(10_000);
    assertEquals("clean end", f.ended.get().getMessage());
  }

  @Test
  void peerHangUpMidMessageEndsTheSessionAndFreesTheWorkers() throws Exception {
    f.negotiate(FEATURES);
    f.startQueue(0, 64, RING0, kick, call);
    f.front.sendRaw(new byte[] {2, 0, 0, 0, 1, 0});
    f.front.close();
    f.thread.join(10_000);
    assertFalse(f.thread.isAlive());
    assertNull(findThread("vhost-test-worker0"), "worker thread survived the session");
  }

  static Thread findThread(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name) && t.isAlive())
        .findFirst()
        .orElse(null);
  }
}
