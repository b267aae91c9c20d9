// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;

/**
 * A guest's virtio-can driver played by the Java frontend, in QEMU's message order: init, read
 * the config, start the three queues, then control / transmit / receive like the Linux driver.
 */
final class CanGuest implements AutoCloseable {
  final Frontend frontend;
  final GuestRam ram;
  final FrontendQueue tx;
  final FrontendQueue rx;
  final FrontendQueue ctrl;
  final long offered;

  CanGuest(Path socket) throws Exception {
    frontend = Frontend.connect(socket);
    ram = GuestRam.create(0x4000_0000L, 1 << 20);
    tx = new FrontendQueue(VirtioCan.TXQ, ram, 64);
    rx = new FrontendQueue(VirtioCan.RXQ, ram, 64);
    ctrl = new FrontendQueue(VirtioCan.CONTROLQ, ram, 64);
    offered = frontend.qemuInit(3).features();
  }

  /** Reads the 2-byte status the way QEMU's generic device does (16 config bytes). */
  int status() throws Exception {
    byte[] cfg = frontend.getConfig(0, 16);
    return (cfg[0] & 0xff) | (cfg[1] & 0xff) << 8;
  }

  void start() throws Exception {
    frontend.start(ram, offered & ~(1L << 30), tx, rx, ctrl);
  }

  private byte[] read(long gpa, int n) throws Exception {
    byte[] b = new byte[n];
    ram.memory().read(gpa, MemorySegment.ofArray(b));
    return b;
  }

  byte control(int type) throws Exception {
    long req = ram.alloc(2, 8);
    long res = ram.alloc(1, 8);
    ram.memory().write(req, MemorySegment.ofArray(new byte[] {(byte) type, (byte) (type >> 8)}));
    ctrl.driver().publish(ctrl.driver().addChain(new Buffer(req, 2, false),
        new Buffer(res, 1, true)));
    ctrl.kick();
    UsedElement e = ctrl.awaitUsed(10_000);
    assertNotNull(e, "control answered");
    return read(res, 1)[0];
  }

  byte send(int flags, int id, byte... data) throws Exception {
    byte[] frame = VirtioCanDeviceTest.txFrame(VirtioCan.VIRTIO_CAN_TX, flags, id, data);
    long out = ram.alloc(frame.length, 8);
    long res = ram.alloc(1, 8);
    ram.memory().write(out, MemorySegment.ofArray(frame));
    tx.driver().publish(tx.driver().addChain(new Buffer(out, frame.length, false),
        new Buffer(res, 1, true)));
    tx.kick();
    UsedElement e = tx.awaitUsed(10_000);
    assertNotNull(e, "transmit answered");
    assertEquals(1, e.len());
    return read(res, 1)[0];
  }

  /** Offers one 80-byte RX buffer; returns its guest address. */
  long postRx() throws Exception {
    long buf = ram.alloc(80, 8);
    rx.driver().publish(rx.driver().addChain(new Buffer(buf, 80, true)));
    rx.kick();
    return buf;
  }

  /** Waits for a received frame in the buffer at {@code buf}; returns its 80 bytes. */
  ByteBuffer awaitRx(long buf, long timeoutMillis) throws Exception {
    UsedElement e = rx.awaitUsed(timeoutMillis);
    if (e == null) {
      return null;
    }
    assertEquals(80, e.len());
    return ByteBuffer.wrap(read(buf, 80)).order(ByteOrder.LITTLE_ENDIAN);
  }

  void stop() throws Exception {
    frontend.stop(tx, rx, ctrl);
  }

  @Override
  public void close() {
    frontend.close();
    tx.close();
    rx.close();
    ctrl.close();
    ram.close();
  }
}
