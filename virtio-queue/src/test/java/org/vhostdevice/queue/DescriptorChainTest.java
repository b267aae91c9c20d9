// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;

/** Chain walking and validation: every malformed shape is one request's error, never more. */
class DescriptorChainTest {
  static final long RAM = 0x1_0000;
  static final long TABLE = RAM + 0x4000;
  static final long BUF = RAM + 0x8000;
  final FakeRam ram = new FakeRam(RAM, 0x10000);
  final DriverQueue driver = DriverQueue.layout(ram.memory, 16, RAM);
  final SplitQueue queue = new SplitQueue(16);
  final DescriptorChain chain = new DescriptorChain();

  DescriptorChainTest() throws Exception {
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
  }

  @AfterEach
  void close() {
    ram.close();
  }

  private InvalidChainException expectInvalid(int head) {
    driver.publish(head);
    InvalidChainException e =
        assertThrows(InvalidChainException.class, () -> queue.pop(ram.memory, chain));
    assertEquals(head, e.head());
    return e;
  }

  /** After a bad chain, the next good one is served: the queue never stalls on bad input. */
  private void nextGoodChainIsServed() throws Exception {
    int good = driver.addChain(new Buffer(BUF, 4, true));
    driver.publish(good);
    assertTrue(queue.pop(ram.memory, chain));
    assertEquals(good, chain.head());
  }

  @Test
  void loopIsCut() throws Exception {
    driver.writeDescriptor(0, BUF, 8, VirtqDesc.F_NEXT, 1);
    driver.writeDescriptor(1, BUF, 8, VirtqDesc.F_NEXT, 0);
    expectInvalid(0);
  }

  @Test
  void selfLoopIsCut() throws Exception {
    driver.writeDescriptor(3, BUF, 8, VirtqDesc.F_NEXT, 3);
    expectInvalid(3);
    nextGoodChainIsServed();
  }

  @Test
  void nextOutOfRange() throws Exception {
    driver.writeDescriptor(0, BUF, 8, VirtqDesc.F_NEXT, 16);
    assertTrue(expectInvalid(0).getMessage().contains("next index 16"));
    nextGoodChainIsServed();
  }

  @Test
  void headOutOfRange() throws Exception {
    InvalidChainException e = expectInvalid(40);
    assertTrue(e.getMessage().contains("head index"));
    nextGoodChainIsServed();
  }

  @Test
  void bufferOutsideGuestMemory() throws Exception {
    driver.writeDescriptor(0, RAM + 0x10000 - 4, 8, 0, 0);
    expectInvalid(0);
    nextGoodChainIsServed();
  }

  @Test
  void bufferWrappingTheAddressSpace() throws Exception {
    driver.writeDescriptor(0, -8L, 16, 0, 0);
    expectInvalid(0);
  }

  @Test
  void totalLengthOver4GiB() throws Exception {
    for (int i = 0; i < 3; i++) {
      driver.writeDescriptor(i, BUF, 0x7FFF_FFFF, VirtqDesc.F_NEXT, i + 1);
    }
    driver.writeDescriptor(3, BUF, 16, 0, 0);
    expectInvalid(0);
  }

  @Test
  void nestedIndirectTable() throws Exception {
    long inner = TABLE + 0x100;
    ram.at(TABLE, 16).set(GuestLayouts.U64, 0, inner);
    ram.at(TABLE, 16).set(GuestLayouts.U32, 8, 16);
    ram.at(TABLE, 16).set(GuestLayouts.U16, 12, (short) VirtqDesc.F_INDIRECT);
    driver.writeDescriptor(0, TABLE, 16, VirtqDesc.F_INDIRECT, 0);
    assertTrue(expectInvalid(0).getMessage().contains("inside an indirect"));
  }

  @Test
  void indirectLengthNotAMultipleOf16() throws Exception {
    driver.writeDescriptor(0, TABLE, 24, VirtqDesc.F_INDIRECT, 0);
    expectInvalid(0);
  }

  @Test
  void emptyIndirectTable() throws Exception {
    driver.writeDescriptor(0, TABLE, 0, VirtqDesc.F_INDIRECT, 0);
    expectInvalid(0);
  }

  @Test
  void indirectTableOutsideMemory() throws Exception {
    driver.writeDescriptor(0, RAM + 0x20000, 32, VirtqDesc.F_INDIRECT, 0);
    expectInvalid(0);
  }

  @Test
  void loopInsideAnIndirectTable() throws Exception {
    ram.at(TABLE, 32).set(GuestLayouts.U64, 0, BUF);
    ram.at(TABLE, 32).set(GuestLayouts.U32, 8, 4);
    ram.at(TABLE, 32).set(GuestLayouts.U16, 12, (short) VirtqDesc.F_NEXT);
    ram.at(TABLE, 32).set(GuestLayouts.U16, 14, (short) 0);
    driver.writeDescriptor(0, TABLE, 32, VirtqDesc.F_INDIRECT, 0);
    expectInvalid(0);
  }

  @Test
  void indirectChainIsFollowed() throws Exception {
    int head = driver.addIndirectChain(TABLE,
        new Buffer(BUF, 8, false), new Buffer(BUF + 8, 8, false), new Buffer(BUF + 16, 32, true));
    driver.publish(head);
    assertTrue(queue.pop(ram.memory, chain));
    assertEquals(3, chain.descriptorCount());
    assertEquals(16, chain.readableBytes());
    assertEquals(32, chain.writableBytes());
    assertTrue(chain.descriptorWritable(2));
    assertEquals(BUF + 16, chain.descriptorAddr(2));
  }

  @Test
  void directDescriptorsBeforeAFinalIndirectOne() throws Exception {
    ram.at(TABLE, 16).set(GuestLayouts.U64, 0, BUF + 64);
    ram.at(TABLE, 16).set(GuestLayouts.U32, 8, 10);
    ram.at(TABLE, 16).set(GuestLayouts.U16, 12, (short) VirtqDesc.F_WRITE);
    driver.writeDescriptor(0, BUF, 6, VirtqDesc.F_NEXT, 1);
    driver.writeDescriptor(1, TABLE, 16, VirtqDesc.F_INDIRECT | VirtqDesc.F_NEXT, 5);
    driver.publish(0);
    assertTrue(queue.pop(ram.memory, chain));
    assertEquals(2, chain.descriptorCount());
    assertEquals(6, chain.readableBytes());
    assertEquals(10, chain.writableBytes());
  }

  @Test
  void zeroLengthDescriptorsAreAllowed() throws Exception {
    driver.publish(driver.addChain(new Buffer(BUF, 0, false), new Buffer(BUF, 0, true)));
    assertTrue(queue.pop(ram.memory, chain));
    assertEquals(2, chain.descriptorCount());
    assertEquals(0, chain.reader().remaining());
    assertFalse(chain.writer().currentPiece().byteSize() > 0);
  }

  @Test
  void longestLegalChainIsTheWholeTable() throws Exception {
    for (int i = 0; i < 15; i++) {
      driver.writeDescriptor(i, BUF, 1, VirtqDesc.F_NEXT, i + 1);
    }
    driver.writeDescriptor(15, BUF, 1, 0, 0);
    driver.publish(0);
    assertTrue(queue.pop(ram.memory, chain));
    assertEquals(16, chain.descriptorCount());
  }
}
