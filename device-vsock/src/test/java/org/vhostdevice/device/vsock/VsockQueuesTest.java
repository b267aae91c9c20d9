// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.testing.QueueHarness;

/** The device on in-process rings (Rust: thread-backend tests on empty and simple rings). */
class VsockQueuesTest {
  @TempDir Path dir;
  private VmBackend vm;
  private VsockDevice device;
  private QueueHarness rx;
  private QueueHarness tx;

  @BeforeEach
  void setUp() throws Exception {
    vm = VmBackend.open(VmArgument.parse("guest-cid=3,socket=" + dir.resolve("s") + ",uds-path="
        + dir.resolve("u")), new SiblingRegistry());
    device = vm.newSession();
    rx = new QueueHarness(VsockDevice.RX, 16, 16);
    tx = new QueueHarness(VsockDevice.TX, 16, 16);
    device.queueStarted(VsockDevice.RX, rx.vq);
    device.queueStarted(VsockDevice.TX, tx.vq);
  }

  @AfterEach
  void tearDown() {
    device.queueStopped(VsockDevice.RX);
    device.queueStopped(VsockDevice.TX);
    rx.close();
    tx.close();
    vm.close();
  }

  private void sendTx(long srcCid, long dstCid, int op) throws Exception {
    byte[] h = ByteBuffer.allocate(PacketHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(srcCid).putLong(dstCid).putInt(1000).putInt(6000).putInt(0)
        .putShort((short) PacketHeader.TYPE_STREAM).putShort((short) op).putInt(0)
        .putInt(65536).putInt(0).array();
    tx.write(QueueHarness.DATA, h);
    tx.driver.publish(tx.driver.addChain(new Buffer(QueueHarness.DATA, h.length, false)));
    device.handleQueue(VsockDevice.TX, tx.vq);
  }

  private void postRx() {
    rx.driver.publish(rx.driver.addChain(new Buffer(QueueHarness.DATA, 300, true)));
  }

  @Test
  void emptyRingsAreNoWork() throws Exception {
    device.handleQueue(VsockDevice.TX, tx.vq);
    device.handleQueue(VsockDevice.RX, rx.vq);
    assertNull(tx.used());
    assertNull(rx.used());
  }

  @Test
  void anRxBufferWithNothingToSendStaysWithTheDevice() throws Exception {
    postRx();
    device.handleQueue(VsockDevice.RX, rx.vq);
    assertNull(rx.used(), "no filler packet");
  }

  @Test
  void aPacketToTheGuestsOwnCidIsDroppedWithoutAnswer() throws Exception {
    sendTx(3, 3, PacketHeader.OP_REQUEST);
    UsedElement used = tx.used();
    assertNotNull(used);
    assertEquals(0, used.len());
    postRx();
    device.handleQueue(VsockDevice.RX, rx.vq);
    assertNull(rx.used());
  }

  @Test
  void aPacketFromAnotherCidIsDroppedWithoutAnswer() throws Exception {
    sendTx(7, 2, PacketHeader.OP_REQUEST);
    assertNotNull(tx.used());
    postRx();
    device.handleQueue(VsockDevice.RX, rx.vq);
    assertNull(rx.used());
  }

  @Test
  void aNonStreamPacketIsDroppedWithoutAnswer() throws Exception {
    byte[] h = ByteBuffer.allocate(PacketHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(3).putLong(2).putInt(1000).putInt(6000).putInt(0).putShort((short) 2)
        .putShort((short) PacketHeader.OP_REQUEST).putInt(0).putInt(65536).putInt(0).array();
    tx.write(QueueHarness.DATA, h);
    tx.driver.publish(tx.driver.addChain(new Buffer(QueueHarness.DATA, h.length, false)));
    device.handleQueue(VsockDevice.TX, tx.vq);
    assertNotNull(tx.used());
    postRx();
    device.handleQueue(VsockDevice.RX, rx.vq);
    assertNull(rx.used());
  }

  @Test
  void aRequestToNoListenerIsAnsweredWithRst() throws Exception {
    sendTx(3, 2, PacketHeader.OP_REQUEST);
    postRx();
    device.handleQueue(VsockDevice.RX, rx.vq);
    UsedElement e = rx.used();
    assertNotNull(e);
    assertEquals(PacketHeader.SIZE, e.len());
    ByteBuffer h = ByteBuffer.wrap(rx.read(QueueHarness.DATA, PacketHeader.SIZE))
        .order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(PacketHeader.OP_RST, h.getShort(PacketHeader.OP));
    assertEquals(2, h.getLong(PacketHeader.SRC_CID));
    assertEquals(6000, h.getInt(PacketHeader.SRC_PORT));
    assertEquals(1000, h.getInt(PacketHeader.DST_PORT));
  }
}
