// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

class SplitQueueTest {
  static final long RAM = 0x1_0000;
  static final long BUF = RAM + 0x8000;
  final FakeRam ram = new FakeRam(RAM, 0x10000);
  final DriverQueue driver = DriverQueue.layout(ram.memory, 16, RAM);
  final SplitQueue queue = new SplitQueue(16);
  final DescriptorChain chain = new DescriptorChain();

  SplitQueueTest() throws Exception {
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
    queue.setReady(true);
  }

  @AfterEach
  void close() {
    ram.close();
  }

  @Test
  void sizeMustBeAPowerOfTwoWithinTheMaximum() {
    assertThrows(IllegalArgumentException.class, () -> new SplitQueue(0));
    assertThrows(IllegalArgumentException.class, () -> new SplitQueue(100));
    assertThrows(IllegalArgumentException.class, () -> new SplitQueue(65536));
    assertFalse(queue.setSize(0));
    assertFalse(queue.setSize(12));
    assertFalse(queue.setSize(32));
    assertTrue(queue.setSize(8));
    assertEquals(8, queue.size());
  }

  @Test
  void misalignedRingsAreRefusedAndNothingChanges() {
    assertThrows(InvalidRingException.class, () -> queue.setAddresses(RAM + 8, RAM + 0x200, RAM + 0x400));
    assertThrows(InvalidRingException.class, () -> queue.setAddresses(RAM, RAM + 0x201, RAM + 0x400));
    assertThrows(InvalidRingException.class, () -> queue.setAddresses(RAM, RAM + 0x200, RAM + 0x402));
    assertEquals(driver.descTable(), queue.descTable());
  }

  @Test
  void ringsOutsideMemoryAreRefusedByCheckLayout() throws Exception {
    queue.setAddresses(RAM + 0x10000 - 16, RAM + 0x200, RAM + 0x400);
    assertThrows(InvalidRingException.class, () -> queue.checkLayout(ram.memory));
  }

  @Test
  void emptyRingPopsNothing() throws Exception {
    assertFalse(queue.pop(ram.memory, chain));
    assertEquals(0, queue.pending(ram.memory));
  }

  @Test
  void popsInOrderAndCompletesThroughTheUsedRing() throws Exception {
    int a = driver.addChain(new Buffer(BUF, 10, false), new Buffer(BUF + 16, 20, true));
    int b = driver.addChain(new Buffer(BUF + 64, 4, true));
    driver.publish(a);
    driver.publish(b);
    assertEquals(2, queue.pending(ram.memory));
    assertTrue(queue.pop(ram.memory, chain));
    assertEquals(a, chain.head());
    assertEquals(2, chain.descriptorCount());
    assertEquals(10, chain.readableBytes());
    assertEquals(20, chain.writableBytes());
    queue.addUsed(ram.memory, chain.head(), 20);
    assertTrue(queue.pop(ram.memory, chain));
    assertEquals(b, chain.head());
    queue.addUsed(ram.memory, chain.head(), 4);
    assertEquals(0, driver.usedIdx(), "nothing is visible before publishUsed");
    assertTrue(queue.publishUsed(ram.memory));
    assertEquals(new UsedElement(a, 20), driver.pollUsed());
    assertEquals(new UsedElement(b, 4), driver.pollUsed());
    assertNull(driver.pollUsed());
    assertFalse(queue.publishUsed(ram.memory), "nothing added, nothing to publish");
  }

  @Test
  void undoPopHandsTheSameRequestOutAgain() throws Exception {
    int a = driver.addChain(new Buffer(BUF, 8, true));
    driver.publish(a);
    assertTrue(queue.pop(ram.memory, chain));
    queue.undoPop();
    assertTrue(queue.pop(ram.memory, chain));
    assertEquals(a, chain.head());
  }

  @Test
  void availIndexTooFarAheadBreaksTheRing() {
    driver.setAvailIdx(17);
    assertThrows(InvalidRingException.class, () -> queue.pop(ram.memory, chain));
  }

  @Test
  void addUsedRejectsAHeadOutsideTheRing() {
    assertThrows(IllegalArgumentException.class, () -> queue.addUsed(ram.memory, 16, 0));
  }

  @Test
  void syncUsedIndexReadsGuestMemory() throws Exception {
    ram.at(driver.usedRing() + UsedRing.IDX, 2).set(GuestLayouts.U16, 0, (short) 0x1234);
    queue.syncUsedIndex(ram.memory);
    assertEquals(0x1234, queue.nextUsed());
  }

  @Test
  void usedElementsWrapAroundTheRing() throws Exception {
    queue.setNextAvail(65530);
    queue.setNextUsed(65530);
    driver.setAvailIdx(65530);
    ram.at(driver.usedRing() + UsedRing.IDX, 2).set(GuestLayouts.U16, 0, (short) 65530);
    for (int i = 0; i < 12; i++) {
      driver.publish(driver.addChain(new Buffer(BUF + 8L * i, 8, true)));
      assertTrue(queue.pop(ram.memory, chain));
      queue.addUsed(ram.memory, chain.head(), 8);
    }
    queue.publishUsed(ram.memory);
    assertEquals((65530 + 12) & 0xFFFF, queue.nextUsed());
    assertEquals((65530 + 12) & 0xFFFF, driver.usedIdx());
  }

  @Test
  void withoutEventIdxNotificationsFollowTheNoInterruptFlag() throws Exception {
    driver.publish(driver.addChain(new Buffer(BUF, 8, true)));
    queue.pop(ram.memory, chain);
    queue.addUsed(ram.memory, chain.head(), 0);
    driver.setAvailFlags(AvailRing.F_NO_INTERRUPT);
    assertFalse(queue.publishUsed(ram.memory));
    driver.pollUsed();
    driver.publish(driver.addChain(new Buffer(BUF, 8, true)));
    queue.pop(ram.memory, chain);
    queue.addUsed(ram.memory, chain.head(), 0);
    driver.setAvailFlags(0);
    assertTrue(queue.publishUsed(ram.memory));
  }

  @Test
  void disableAndEnableWithoutEventIdxToggleNoNotify() throws Exception {
    queue.disableNotification(ram.memory);
    assertEquals(UsedRing.F_NO_NOTIFY, driver.usedFlags());
    assertFalse(driver.kickNeeded());
    assertFalse(queue.enableNotification(ram.memory));
    assertEquals(0, driver.usedFlags());
    assertTrue(driver.kickNeeded());
  }

  @Test
  void enableReportsBuffersThatArrivedWhileDisabled() throws Exception {
    queue.disableNotification(ram.memory);
    driver.publish(driver.addChain(new Buffer(BUF, 8, true)));
    assertTrue(queue.enableNotification(ram.memory));
  }

  @Test
  void enableWithEventIdxAsksForTheNextUnreadEntry() throws Exception {
    queue.setEventIdx(true);
    driver.setEventIdx(true);
    driver.publish(driver.addChain(new Buffer(BUF, 8, true)));
    driver.publish(driver.addChain(new Buffer(BUF, 8, true)));
    queue.pop(ram.memory, chain);
    assertTrue(queue.enableNotification(ram.memory), "one entry is still pending");
    assertEquals(1, driver.availEvent(), "avail_event = next_avail, not avail.idx");
    queue.pop(ram.memory, chain);
    assertFalse(queue.enableNotification(ram.memory));
    assertEquals(2, driver.availEvent());
  }

  @Test
  void stateRoundTripsAndRestoreValidates() throws Exception {
    queue.setNextAvail(7);
    queue.setEventIdx(true);
    QueueState s = queue.state();
    SplitQueue other = new SplitQueue(16);
    other.restore(s);
    assertEquals(s, other.state());
    assertThrows(IllegalArgumentException.class, () -> other.restore(new QueueState(
        16, 12, true, s.descTable(), s.availRing(), s.usedRing(), 0, 0, false)));
    assertThrows(IllegalArgumentException.class, () -> other.restore(new QueueState(
        16, 16, true, s.descTable() + 1, s.availRing(), s.usedRing(), 0, 0, false)));
    assertThrows(IllegalArgumentException.class, () -> new SplitQueue(8).restore(s));
  }

  @Test
  void resetForgetsEverything() {
    queue.setNextAvail(3);
    queue.reset();
    assertEquals(new QueueState(16, 16, false, 0, 0, 0, 0, 0, false), queue.state());
  }
}
