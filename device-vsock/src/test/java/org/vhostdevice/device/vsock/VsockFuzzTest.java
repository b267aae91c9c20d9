// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.testing.QueueHarness;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-vsock: the guest→device packet path. The
 * fuzzer writes a sequence of TX chains (header fields drawn from values that reach every branch
 * — our CID or another, the host, a sibling or a stranger, a port with a host listener or none,
 * every op and flag, a len that matches the payload or not — laid out in one descriptor, split,
 * cut short or with a writable part) interleaved with RX buffers of any size. Host programs
 * behind {@code <uds>_5000} accept and read everything. Oracles: no exception leaves the device;
 * every TX chain comes back with used length 0; every used RX buffer is either length 0 or holds
 * one well-formed packet (op 1..7, STREAM, to our CID, len = used − 44); and afterwards a
 * well-formed REQUEST to the listener is answered with RESPONSE. Normal runs replay {@code
 * VsockFuzzTestInputs/txPackets/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class VsockFuzzTest {
  private static final long CID = 3;
  private static final long SIBLING_CID = 4;
  private static final int LISTEN_PORT = 5000;
  private static final int QUEUE = 128;
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong PACKETS = new AtomicLong();
  private static Fixture fixture;

  /** One daemon-side VM (and a sibling) for the whole run: binding sockets per input is slow. */
  private static final class Fixture {
    final Path dir;
    final VsockService service;
    final ServerSocketChannel listener;

    Fixture() throws Exception {
      dir = Files.createTempDirectory("vsock-fuzz");
      service = VsockService.open(List.of(
          VmArgument.parse("guest-cid=3,socket=" + dir.resolve("a.sock") + ",uds-path="
              + dir.resolve("a.vsock") + ",tx-buffer-size=4096"),
          VmArgument.parse("guest-cid=4,socket=" + dir.resolve("b.sock") + ",uds-path="
              + dir.resolve("b.vsock"))));
      listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      listener.bind(UnixDomainSocketAddress.of(dir.resolve("a.vsock_" + LISTEN_PORT)), 256);
      Thread.ofPlatform().daemon().start(this::acceptAndDrain);
    }

    private void acceptAndDrain() {
      while (true) {
        SocketChannel ch;
        try {
          ch = listener.accept();
        } catch (IOException e) {
          return;
        }
        Thread.ofVirtual().start(() -> {
          ByteBuffer b = ByteBuffer.allocate(65536);
          try (ch) {
            while (ch.read(b) >= 0) {
              b.clear();
            }
          } catch (IOException e) {
            // the daemon closed or reset it
          }
        });
      }
    }
  }

  @AfterAll
  static void report() throws Exception {
    System.out.printf("VsockFuzzTest: %d inputs, %d TX packets%n", INPUTS.get(), PACKETS.get());
    if (fixture != null) {
      fixture.listener.close();
      fixture.service.close();
    }
  }

  private static synchronized Fixture fixture() throws Exception {
    if (fixture == null) {
      fixture = new Fixture();
    }
    return fixture;
  }

  @FuzzTest(maxDuration = "10m")
  // A fuzzing session is one long test call: lift the module's 30 s default for it.
  @org.junit.jupiter.api.Timeout(value = 1, unit = java.util.concurrent.TimeUnit.HOURS)
  void txPackets(FuzzedDataProvider data) throws Exception {
    INPUTS.incrementAndGet();
    Fixture f = fixture();
    VsockDevice device = f.service.vm(0).newSession();
    try (QueueHarness rx = new QueueHarness(VsockDevice.RX, QUEUE, QUEUE);
        QueueHarness tx = new QueueHarness(VsockDevice.TX, QUEUE, QUEUE)) {
      device.queueStarted(VsockDevice.RX, rx.vq);
      device.queueStarted(VsockDevice.TX, tx.vq);
      Slots rxSlots = new Slots();
      Slots txSlots = new Slots();
      int txAdded = 0;
      int txUsed = 0;
      int steps = data.consumeInt(1, 24);
      for (int i = 0; i < steps && data.remainingBytes() > 0; i++) {
        if (data.consumeInt(0, 3) == 0) {
          postRx(rx, rxSlots, data.consumeInt(0, 3), data.consumeInt(0, 300));
          device.handleQueue(VsockDevice.RX, rx.vq);
        } else if (addTx(tx, txSlots, data)) {
          txAdded++;
          PACKETS.incrementAndGet();
          device.handleQueue(VsockDevice.TX, tx.vq);
        }
        txUsed += drainTx(tx);
        checkRx(rx, rxSlots);
      }
      // Give every pending reply a buffer.
      for (int round = 0; round < 8; round++) {
        postRx(rx, rxSlots, 8, 300);
        device.handleQueue(VsockDevice.TX, tx.vq);
        device.handleQueue(VsockDevice.RX, rx.vq);
        txUsed += drainTx(tx);
        checkRx(rx, rxSlots);
      }
      assertEquals(txAdded, txUsed, "every TX chain comes back");
      stillServes(device, rx, tx, rxSlots, txSlots);
    } finally {
      device.queueStopped(VsockDevice.RX);
      device.queueStopped(VsockDevice.TX);
      device.reset();
    }
  }

  /** Bump allocator over the harness's free guest memory (both regions). */
  private static final class Slots {
    long next = QueueHarness.DATA;
    final java.util.Map<Integer, Long> heads = new java.util.HashMap<>();

    long take(int len) {
      long at = next;
      long regionEnd = at < QueueHarness.R1 ? QueueHarness.R0 + 0x10000 : QueueHarness.R1 + 0x10000;
      if (at + len > regionEnd) {
        at = at < QueueHarness.R1 ? QueueHarness.R1 : QueueHarness.DATA;
      }
      next = (at + len + 7) & ~7L;
      return at;
    }
  }

  private static void postRx(QueueHarness rx, Slots slots, int n, int size) throws Exception {
    for (int i = 0; i < n; i++) {
      if (rx.driver.freeDescriptors() == 0) {
        return;
      }
      int len = Math.max(size, 1);
      long gpa = slots.take(len);
      int head = rx.driver.addChain(new Buffer(gpa, len, true));
      slots.heads.put(head, gpa);
      rx.driver.publish(head);
    }
  }

  private static boolean addTx(QueueHarness tx, Slots slots, FuzzedDataProvider data)
      throws Exception {
    if (tx.driver.freeDescriptors() < 3) {
      return false;
    }
    byte[] payload = data.consumeBytes(data.consumeInt(0, 512));
    long src = data.pickValue(new long[] {CID, CID, CID, 2, 7});
    long dst = data.pickValue(new long[] {2, 2, 2, SIBLING_CID, 9, CID});
    int srcPort = data.pickValue(new int[] {1000, 1001, data.consumeInt()});
    int dstPort = data.pickValue(new int[] {LISTEN_PORT, LISTEN_PORT, 6000, data.consumeInt()});
    int len = data.consumeBoolean() ? payload.length : data.consumeInt();
    int type = data.consumeBoolean() ? PacketHeader.TYPE_STREAM : data.consumeInt(0, 3);
    int op = data.consumeInt(0, 8);
    int flags = data.consumeInt(0, 4);
    int bufAlloc = data.pickValue(new int[] {0, 1, 4096, 262144, data.consumeInt()});
    int fwdCnt = data.consumeBoolean() ? 0 : data.consumeInt();
    byte[] raw = ByteBuffer.allocate(PacketHeader.SIZE + payload.length)
        .order(ByteOrder.LITTLE_ENDIAN).putLong(src).putLong(dst).putInt(srcPort).putInt(dstPort)
        .putInt(len).putShort((short) type).putShort((short) op).putInt(flags).putInt(bufAlloc)
        .putInt(fwdCnt).put(payload).array();
    int cut = data.consumeInt(0, raw.length);
    List<Buffer> bufs = new ArrayList<>();
    switch (data.consumeInt(0, 3)) {
      case 0 -> bufs.add(readable(tx, slots, raw, 0, raw.length));
      case 1 -> {
        bufs.add(readable(tx, slots, raw, 0, cut));
        bufs.add(readable(tx, slots, raw, cut, raw.length - cut));
      }
      case 2 -> bufs.add(readable(tx, slots, raw, 0, cut)); // cut short
      default -> {
        bufs.add(readable(tx, slots, raw, 0, raw.length));
        bufs.add(new Buffer(slots.take(64), 64, true));
      }
    }
    tx.driver.publish(tx.driver.addChain(bufs.toArray(Buffer[]::new)));
    return true;
  }

  private static Buffer readable(QueueHarness q, Slots slots, byte[] raw, int from, int n)
      throws Exception {
    int len = Math.max(n, 1);
    long at = slots.take(len);
    byte[] part = new byte[len];
    System.arraycopy(raw, from, part, 0, Math.min(n, raw.length - from));
    q.write(at, part);
    return new Buffer(at, n, false);
  }

  private static int drainTx(QueueHarness tx) throws Exception {
    int n = 0;
    for (UsedElement e = tx.used(); e != null; e = tx.used()) {
      assertEquals(0, e.len(), "TX chains are returned with length 0");
      n++;
    }
    return n;
  }

  /** Every used RX buffer: empty, or one well-formed packet. Returns the packets' ops/ports. */
  private static List<long[]> checkRx(QueueHarness rx, Slots slots) throws Exception {
    List<long[]> out = new ArrayList<>();
    for (UsedElement e = rx.used(); e != null; e = rx.used()) {
      if (e.len() == 0) {
        continue;
      }
      assertTrue(e.len() >= PacketHeader.SIZE, "used length " + e.len());
      long gpa = slots.heads.get(e.id());
      ByteBuffer h = ByteBuffer.wrap(rx.read(gpa, PacketHeader.SIZE)).order(ByteOrder.LITTLE_ENDIAN);
      long srcCid = h.getLong(PacketHeader.SRC_CID);
      // The host, or the CID the guest addressed (an RST for a peer that is not there); never
      // the guest itself.
      assertTrue(srcCid != CID, "src cid " + srcCid);
      assertEquals(CID, h.getLong(PacketHeader.DST_CID));
      assertEquals(PacketHeader.TYPE_STREAM, h.getShort(PacketHeader.TYPE));
      int op = h.getShort(PacketHeader.OP);
      assertTrue(op >= PacketHeader.OP_REQUEST && op <= PacketHeader.OP_CREDIT_REQUEST, "op " + op);
      assertEquals(e.len() - PacketHeader.SIZE, h.getInt(PacketHeader.LEN), "len field");
      out.add(new long[] {op, Integer.toUnsignedLong(h.getInt(PacketHeader.SRC_PORT)),
          Integer.toUnsignedLong(h.getInt(PacketHeader.DST_PORT))});
    }
    return out;
  }

  private static void stillServes(VsockDevice device, QueueHarness rx, QueueHarness tx,
      Slots rxSlots, Slots txSlots) throws Exception {
    byte[] req = ByteBuffer.allocate(PacketHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(CID).putLong(2).putInt(65000).putInt(LISTEN_PORT).putInt(0)
        .putShort((short) PacketHeader.TYPE_STREAM).putShort((short) PacketHeader.OP_REQUEST)
        .putInt(0).putInt(65536).putInt(0).array();
    long at = txSlots.take(req.length);
    tx.write(at, req);
    tx.driver.publish(tx.driver.addChain(new Buffer(at, req.length, false)));
    device.handleQueue(VsockDevice.TX, tx.vq);
    assertEquals(1, drainTx(tx));
    // A connect may wait for room in the listener's backlog (the drain thread is behind).
    long deadline = System.nanoTime() + 3 * VsockEngine.CONNECT_RETRY_NANOS;
    for (int round = 0; System.nanoTime() < deadline; round++) {
      if (round > 0) {
        Thread.sleep(1);
      }
      postRx(rx, rxSlots, 8, 300);
      device.handleQueue(VsockDevice.RX, rx.vq);
      for (long[] p : checkRx(rx, rxSlots)) {
        if (p[1] == LISTEN_PORT && p[2] == 65000) {
          assertEquals(PacketHeader.OP_RESPONSE, p[0], "a well-formed REQUEST still connects");
          return;
        }
      }
    }
    throw new AssertionError("no answer to a well-formed REQUEST");
  }
}
