// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.input.EventPump.EV_SYN;
import static org.vhostdevice.device.input.EventPump.SYN_DROPPED;
import static org.vhostdevice.device.input.EventPump.SYN_REPORT;
import static org.vhostdevice.device.input.InputConfig.EV_KEY;
import static org.vhostdevice.device.input.InputConfig.EV_REL;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Fds;

/** Packets, the bounded queue, grabbing and the reading thread of one event device. */
class EventPumpTest {
  private final FakeEvdevIo io = new FakeEvdevIo();
  private final List<EventPump> pumps = new ArrayList<>();

  private EventPump pump(boolean grab, int capacity) throws Exception {
    EventPump p = new EventPump(Evdev.open(io, "/dev/input/event3"), grab, capacity);
    pumps.add(p);
    return p;
  }

  @AfterEach
  void tearDown() {
    pumps.forEach(EventPump::close);
  }

  private static List<Long> drain(EventPump p) {
    List<Long> out = new ArrayList<>();
    while (!p.isEmpty()) {
      out.add(p.peek());
      p.remove();
    }
    return out;
  }

  private static long ev(int type, int code, int value) {
    return EventPump.pack(type, code, value);
  }

  @Test
  void packingKeepsTypeCodeAndSignedValue() {
    long e = ev(0xfffe, 0x1234, -5);
    assertEquals(0xfffe, EventPump.type(e));
    assertEquals(0x1234, EventPump.code(e));
    assertEquals(-5, EventPump.value(e));
  }

  @Test
  void aPacketIsQueuedWholeAtItsSynReport() throws Exception {
    EventPump p = pump(false, 1024);
    p.attach(() -> {});
    assertFalse(p.accept(EV_REL, 0, 5));
    assertFalse(p.accept(EV_REL, 1, -3));
    assertTrue(p.isEmpty(), "nothing before the SYN_REPORT");
    assertTrue(p.accept(EV_SYN, SYN_REPORT, 0));
    assertEquals(List.of(ev(EV_REL, 0, 5), ev(EV_REL, 1, -3), ev(EV_SYN, SYN_REPORT, 0)),
        drain(p));
  }

  @Test
  void eventsAfterTheLastSynReportStayPending() throws Exception {
    EventPump p = pump(false, 1024);
    p.attach(() -> {});
    p.accept(EV_KEY, 30, 1);
    p.accept(EV_SYN, SYN_REPORT, 0);
    p.accept(EV_KEY, 30, 0);
    assertEquals(2, p.size());
    p.accept(EV_SYN, SYN_REPORT, 0);
    assertEquals(4, p.size());
  }

  @Test
  void aSynReportWithNothingBeforeItQueuesNothing() throws Exception {
    EventPump p = pump(false, 1024);
    p.attach(() -> {});
    assertFalse(p.accept(EV_SYN, SYN_REPORT, 0));
    assertTrue(p.isEmpty());
  }

  @Test
  void synDroppedDiscardsThePacketUpToTheNextReport() throws Exception {
    EventPump p = pump(false, 1024);
    p.attach(() -> {});
    p.accept(EV_KEY, 30, 1);
    p.accept(EV_SYN, SYN_DROPPED, 0);
    p.accept(EV_KEY, 31, 1);
    assertFalse(p.accept(EV_SYN, SYN_REPORT, 0));
    assertTrue(p.isEmpty());
    p.accept(EV_KEY, 32, 1);
    assertTrue(p.accept(EV_SYN, SYN_REPORT, 0));
    assertEquals(ev(EV_KEY, 32, 1), drain(p).getFirst());
  }

  @Test
  void nothingIsQueuedBeforeTheGuestAttachesOrAfterItDetaches() throws Exception {
    EventPump p = pump(false, 1024);
    p.accept(EV_KEY, 30, 1);
    p.accept(EV_SYN, SYN_REPORT, 0);
    assertTrue(p.isEmpty());
    p.attach(() -> {});
    p.accept(EV_KEY, 30, 0);
    p.accept(EV_SYN, SYN_REPORT, 0);
    p.detach();
    assertTrue(p.isEmpty(), "what was held is dropped with the ring");
    p.accept(EV_KEY, 30, 1);
    p.accept(EV_SYN, SYN_REPORT, 0);
    assertTrue(p.isEmpty());
  }

  @Test
  void aFullQueueDropsWholePacketsAndCountsThem() throws Exception {
    EventPump p = pump(false, 299);
    p.attach(() -> {});
    for (int packet = 0; packet < 3; packet++) {
      for (int i = 0; i < 99; i++) {
        p.accept(EV_REL, 0, packet * 1000 + i);
      }
      p.accept(EV_SYN, SYN_REPORT, 0);
    }
    assertEquals(200, p.size(), "two packets of 100 fit in 299, the third does not");
    assertEquals(1, p.droppedPackets());
    List<Long> got = drain(p);
    assertEquals(ev(EV_REL, 0, 1098), got.get(198), "the queued packets are intact");
    p.accept(EV_REL, 0, 7);
    assertTrue(p.accept(EV_SYN, SYN_REPORT, 0), "room again once the guest took events");
  }

  @Test
  void anOverlongPacketIsDroppedWhole() throws Exception {
    EventPump p = pump(false, 1024);
    p.attach(() -> {});
    for (int i = 0; i <= EventPump.MAX_PACKET; i++) {
      p.accept(EV_REL, 0, i);
    }
    assertFalse(p.accept(EV_SYN, SYN_REPORT, 0));
    assertTrue(p.isEmpty());
    assertEquals(1, p.droppedPackets());
  }

  @Test
  void aCapacityBelowOnePacketIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> pump(false, EventPump.MAX_PACKET));
  }

  @Test
  void attachGrabsAndDetachUngrabs() throws Exception {
    EventPump p = pump(true, 1024);
    p.attach(() -> {});
    assertTrue(p.grabbed());
    p.attach(() -> {});
    p.detach();
    assertFalse(p.grabbed());
    assertEquals(List.of(true, false), io.grabs, "one grab per start, one ungrab per stop");
  }

  @Test
  void withoutGrabTheDeviceIsNeverGrabbed() throws Exception {
    EventPump p = pump(false, 1024);
    p.attach(() -> {});
    p.detach();
    assertTrue(io.grabs.isEmpty());
  }

  @Test
  void aDeviceSomeoneElseHoldsStillDeliversEvents() throws Exception {
    io.grabFails = true;
    EventPump p = pump(true, 1024);
    p.attach(() -> {});
    assertFalse(p.grabbed());
    p.accept(EV_KEY, 30, 1);
    assertTrue(p.accept(EV_SYN, SYN_REPORT, 0));
  }

  @Test
  void theThreadReadsTheDeviceAndWakesTheGuestOncePerRead() throws Exception {
    EventPump p = pump(false, 1024);
    Semaphore woken = new Semaphore(0);
    p.attach(woken::release);
    p.start();
    io.emit(p.device().fd(), EV_REL, 0, 4, EV_REL, 1, -4, EV_SYN, SYN_REPORT, 0, EV_REL, 0, 9);
    assertTrue(woken.tryAcquire(10, TimeUnit.SECONDS));
    assertEquals(List.of(ev(EV_REL, 0, 4), ev(EV_REL, 1, -4), ev(EV_SYN, SYN_REPORT, 0)),
        drain(p));
    io.emit(p.device().fd(), EV_SYN, SYN_REPORT, 0);
    assertTrue(woken.tryAcquire(10, TimeUnit.SECONDS));
    assertEquals(List.of(ev(EV_REL, 0, 9), ev(EV_SYN, SYN_REPORT, 0)), drain(p),
        "the pending event went out with the next report");
  }

  @Test
  void closeStopsTheThreadAndClosesTheDevice() throws Exception {
    EventPump p = pump(true, 1024);
    p.start();
    p.attach(() -> {});
    int fd = p.device().fd();
    p.close();
    assertFalse(p.running());
    assertTrue(io.closed.contains(fd));
    assertFalse(Fds.isOpen(fd));
    assertEquals(List.of(true, false), io.grabs);
  }

  @Test
  void anUnpluggedDeviceEndsTheThreadQuietly() throws Exception {
    EventPump p = pump(false, 1024);
    p.start();
    io.unplug(p.device().fd());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (p.running() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertFalse(p.running());
  }

  /** Fills a queue of 299 with two packets of 99 REL events + SYN (200 events). */
  private static void fillTwoHundred(EventPump p) {
    for (int packet = 0; packet < 2; packet++) {
      for (int i = 0; i < 99; i++) {
        p.accept(EV_REL, 0, 1);
      }
      p.accept(EV_SYN, SYN_REPORT, 0);
    }
  }

  @Test
  void aDroppedReleaseOfAHeldKeyIsGivenOnceTheGuestCatchesUp() throws Exception {
    EventPump p = pump(false, 299);
    p.attach(() -> {});
    p.accept(EV_KEY, 30, 1);
    p.accept(EV_SYN, SYN_REPORT, 0);
    fillTwoHundred(p);
    // 97 free: a packet of 97 events + SYN does not fit, and it carries KEY_A's release.
    for (int i = 0; i < 96; i++) {
      p.accept(EV_REL, 1, 1);
    }
    p.accept(EV_KEY, 30, 0);
    assertFalse(p.accept(EV_SYN, SYN_REPORT, 0));
    assertEquals(1, p.owedReleases());
    List<Long> got = drain(p);
    assertEquals(List.of(ev(EV_KEY, 30, 1), ev(EV_SYN, SYN_REPORT, 0)), got.subList(0, 2));
    assertEquals(List.of(ev(EV_KEY, 30, 0), ev(EV_SYN, SYN_REPORT, 0)),
        got.subList(got.size() - 2, got.size()), "the release came once the queue drained");
    assertEquals(0, p.owedReleases());
  }

  @Test
  void aDroppedReleaseOfAKeyTheGuestNeverSawDownIsNotOwed() throws Exception {
    EventPump p = pump(false, 299);
    p.attach(() -> {});
    fillTwoHundred(p);
    for (int i = 0; i < 98; i++) {
      p.accept(EV_REL, 1, 1);
    }
    p.accept(EV_KEY, 31, 0);
    assertFalse(p.accept(EV_SYN, SYN_REPORT, 0));
    assertEquals(1, p.droppedPackets());
    assertEquals(0, p.owedReleases());
  }

  @Test
  void afterTheKernelLostEventsKeysNoLongerDownAreReleased() throws Exception {
    EventPump p = pump(false, 1024);
    p.attach(() -> {});
    // The fake's EVIOCGKEY answers 0x18 in every byte: keys 3 and 4 of each byte are down,
    // so KEY_ENTER (28 = byte 3, bit 4) still is and KEY_A (30 = byte 3, bit 6) is not.
    p.accept(EV_KEY, 28, 1);
    p.accept(EV_KEY, 30, 1);
    p.accept(EV_SYN, SYN_REPORT, 0);
    drain(p);
    p.accept(EV_SYN, SYN_DROPPED, 0);
    p.accept(EV_KEY, 99, 1);
    assertTrue(p.accept(EV_SYN, SYN_REPORT, 0));
    assertEquals(List.of(ev(EV_KEY, 30, 0), ev(EV_SYN, SYN_REPORT, 0)), drain(p));
  }

  @Test
  void aNewlyStartedDriverIsOwedNothing() throws Exception {
    EventPump p = pump(false, 299);
    p.attach(() -> {});
    p.accept(EV_KEY, 30, 1);
    p.accept(EV_SYN, SYN_REPORT, 0);
    fillTwoHundred(p);
    for (int i = 0; i < 97; i++) {
      p.accept(EV_REL, 1, 1);
    }
    p.accept(EV_KEY, 30, 0);
    p.accept(EV_SYN, SYN_REPORT, 0);
    assertEquals(1, p.owedReleases());
    p.detach();
    p.attach(() -> {});
    assertEquals(0, p.owedReleases());
  }
}
