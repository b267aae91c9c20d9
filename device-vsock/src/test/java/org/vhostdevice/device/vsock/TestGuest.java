// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;

/**
 * A guest's virtio-vsock driver played by the test through the project's Java frontend: RX
 * buffers of 44 + 4096 bytes in one descriptor (as Linux posts them), one TX buffer reused for
 * every packet, and the event queue.
 */
final class TestGuest implements AutoCloseable {
  static final int QUEUE_SIZE = 256;
  static final int RX_BUF = PacketHeader.SIZE + 4096;
  static final int TX_BUF = PacketHeader.SIZE + 65536;
  static final long ACKED = VsockDevice.FEATURES & ~(1L << 30);

  record Packet(long srcCid, long dstCid, int srcPort, int dstPort, int type, int op, int flags,
      int bufAlloc, int fwdCnt, byte[] payload) {
    static Packet of(long srcCid, int srcPort, long dstCid, int dstPort, int op, int flags,
        int bufAlloc, int fwdCnt, byte[] payload) {
      return new Packet(srcCid, dstCid, srcPort, dstPort, PacketHeader.TYPE_STREAM, op, flags,
          bufAlloc, fwdCnt, payload);
    }

    byte[] encode() {
      ByteBuffer b = ByteBuffer.allocate(PacketHeader.SIZE + payload.length)
          .order(ByteOrder.LITTLE_ENDIAN);
      b.putLong(srcCid).putLong(dstCid).putInt(srcPort).putInt(dstPort).putInt(payload.length)
          .putShort((short) type).putShort((short) op).putInt(flags).putInt(bufAlloc)
          .putInt(fwdCnt).put(payload);
      return b.array();
    }

    static Packet decode(byte[] raw) {
      ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
      long src = b.getLong();
      long dst = b.getLong();
      int sp = b.getInt();
      int dp = b.getInt();
      int len = b.getInt();
      int type = b.getShort() & 0xFFFF;
      int op = b.getShort() & 0xFFFF;
      int flags = b.getInt();
      int ba = b.getInt();
      int fc = b.getInt();
      byte[] payload = new byte[Math.min(len, raw.length - PacketHeader.SIZE)];
      b.get(payload);
      return new Packet(src, dst, sp, dp, type, op, flags, ba, fc, payload);
    }

    @Override
    public String toString() {
      return PacketHeader.opName(op) + " " + srcCid + ":" + srcPort + "->" + dstCid + ":"
          + dstPort + " len " + payload.length + " flags " + flags + " buf " + bufAlloc + " fwd "
          + fwdCnt;
    }
  }

  final Frontend frontend;
  final GuestRam ram;
  final EventFd masked;
  final FrontendQueue rx;
  final FrontendQueue tx;
  final FrontendQueue ev;
  final long cid;
  private final Map<Integer, Long> rxBuffers = new HashMap<>();
  private final long txBuf;

  private TestGuest(Path socket, long cid) throws Exception {
    this.cid = cid;
    frontend = Frontend.connect(socket);
    ram = GuestRam.create(0x4000_0000L, 16 << 20);
    masked = EventFd.create();
    rx = new FrontendQueue(0, ram, QUEUE_SIZE);
    tx = new FrontendQueue(1, ram, QUEUE_SIZE);
    ev = new FrontendQueue(2, ram, 8);
    frontend.qemuInit(3, masked);
    frontend.start(ram, ACKED, rx, tx, ev);
    txBuf = ram.alloc(TX_BUF, 8);
  }

  static TestGuest start(Path socket, long cid, int rxBuffers) throws Exception {
    TestGuest g = new TestGuest(socket, cid);
    g.postRx(rxBuffers);
    return g;
  }

  byte[] config() throws Exception {
    return frontend.getConfig(0, 8);
  }

  void postRx(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      long gpa = ram.alloc(RX_BUF, 8);
      int head = rx.driver().addChain(new Buffer(gpa, RX_BUF, true));
      rxBuffers.put(head, gpa);
      rx.driver().publish(head);
    }
    rx.kickFd().signal();
  }

  /** The next guest-bound packet, or null after {@code timeoutMillis}; its buffer is re-posted. */
  Packet recv(long timeoutMillis) throws Exception {
    UsedElement e = rx.awaitUsed(timeoutMillis);
    if (e == null) {
      return null;
    }
    long gpa = rxBuffers.remove(e.id());
    byte[] raw = new byte[e.len()];
    ram.memory().read(gpa, MemorySegment.ofArray(raw));
    int head = rx.driver().addChain(new Buffer(gpa, RX_BUF, true));
    rxBuffers.put(head, gpa);
    rx.driver().publish(head);
    rx.kickFd().signal();
    if (e.len() < PacketHeader.SIZE) {
      throw new AssertionError("RX buffer returned with used length " + e.len());
    }
    Packet p = Packet.decode(raw);
    // The Rust daemon fills some RX buffers with op 0 or leaves the header unwritten.
    if (p.op() < PacketHeader.OP_REQUEST || p.op() > PacketHeader.OP_CREDIT_REQUEST
        || p.type() != PacketHeader.TYPE_STREAM || p.payload().length != e.len() - PacketHeader.SIZE) {
      throw new AssertionError("RX buffer holds no valid packet: " + p);
    }
    return p;
  }

  Packet expect(long timeoutMillis) throws Exception {
    Packet p = recv(timeoutMillis);
    if (p == null) {
      throw new AssertionError("no packet within " + timeoutMillis + " ms");
    }
    return p;
  }

  /** Puts {@code raw} in a TX chain and kicks, without waiting for it to be used. */
  void sendRaw(byte[] raw) throws Exception {
    long gpa = ram.alloc(Math.max(raw.length, 1), 8);
    ram.memory().write(gpa, MemorySegment.ofArray(raw));
    tx.driver().publish(tx.driver().addChain(new Buffer(gpa, raw.length, false)));
    tx.kickFd().signal();
  }

  /** Sends {@code p} from the reused TX buffer and waits for the device to consume it. */
  void send(Packet p) throws Exception {
    byte[] raw = p.encode();
    ram.memory().write(txBuf, MemorySegment.ofArray(raw));
    tx.driver().publish(tx.driver().addChain(new Buffer(txBuf, raw.length, false)));
    tx.kickFd().signal();
    UsedElement e = tx.awaitUsed(10_000);
    if (e == null) {
      throw new AssertionError("TX packet not consumed: " + p);
    }
  }

  UsedElement awaitTx(long timeoutMillis) throws Exception {
    return tx.awaitUsed(timeoutMillis);
  }

  /** Posts one event buffer and returns the event id the device puts in it, or -1. */
  int awaitEvent(long timeoutMillis) throws Exception {
    long gpa = ram.alloc(8, 8);
    ev.driver().publish(ev.driver().addChain(new Buffer(gpa, 8, true)));
    ev.kickFd().signal();
    UsedElement e = ev.awaitUsed(timeoutMillis);
    if (e == null) {
      return -1;
    }
    return ram.memory().slice(gpa, 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
  }

  @Override
  public void close() {
    frontend.close();
    rx.close();
    tx.close();
    ev.close();
    masked.close();
    ram.close();
  }
}
