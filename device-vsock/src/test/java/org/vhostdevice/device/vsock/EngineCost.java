// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.testing.QueueHarness;

/**
 * Standalone measure of the engine's per-packet cost, without a guest or QEMU: the device's
 * handleQueue is driven directly over in-process rings (QueueHarness), with a real Unix socket to
 * a host program in this JVM that drains (TX) or fills (RX) it. Prints ns per packet, MiB/s and
 * bytes allocated per packet on the calling (worker) thread. Run by tools/measure-vsock.sh;
 * not a test.
 */
public final class EngineCost {
  private static final long CID = 3;
  private static final int PORT = 5000;
  private static final int BATCH = 32;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path dir = Files.createTempDirectory("vsock-cost");
    try (VsockService service = VsockService.open(List.of(VmArgument.parse(
        "guest-cid=3,socket=" + dir.resolve("s") + ",uds-path=" + dir.resolve("u")
            + ",tx-buffer-size=262144")));
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      listener.bind(UnixDomainSocketAddress.of(dir.resolve("u_" + PORT)));
      System.out.println("| direction | payload | packets/s | ns/packet | MiB/s | bytes allocated/packet |");
      System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
      for (int size : new int[] {64, 4096, 65536}) {
        run(service, listener, size, seconds, true);
      }
      for (int size : new int[] {64, 4096, 65536}) {
        run(service, listener, size, seconds, false);
      }
    }
  }

  private static byte[] header(int op, int srcPort, int len) {
    return ByteBuffer.allocate(PacketHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(CID)
        .putLong(2).putInt(srcPort).putInt(PORT).putInt(len)
        .putShort((short) PacketHeader.TYPE_STREAM).putShort((short) op).putInt(0)
        .putInt(1 << 30).putInt(0).array();
  }

  private static void run(VsockService service, ServerSocketChannel listener, int size,
      int seconds, boolean guestToHost) throws Exception {
    VsockDevice device = service.vm(0).newSession();
    try (QueueHarness rx = new QueueHarness(VsockDevice.RX, 256, 256);
        QueueHarness tx = new QueueHarness(VsockDevice.TX, 256, 256)) {
      device.queueStarted(VsockDevice.RX, rx.vq);
      device.queueStarted(VsockDevice.TX, tx.vq);
      int srcPort = 40000 + size + (guestToHost ? 0 : 1);
      // Connect: REQUEST, then take the RESPONSE from an RX buffer.
      long hdrAt = QueueHarness.DATA;
      tx.write(hdrAt, header(PacketHeader.OP_REQUEST, srcPort, 0));
      tx.driver.publish(tx.driver.addChain(new Buffer(hdrAt, PacketHeader.SIZE, false)));
      device.handleQueue(VsockDevice.TX, tx.vq);
      tx.used();
      SocketChannel host = listener.accept();
      rx.driver.publish(rx.driver.addChain(new Buffer(QueueHarness.R1, 4096, true)));
      device.handleQueue(VsockDevice.RX, rx.vq);
      rx.used();
      Thread peer = guestToHost ? drain(host) : fill(host);
      long packets = guestToHost ? txLoop(device, tx, rx, size, srcPort, seconds)
          : rxLoop(device, rx, tx, size, srcPort, seconds);
      host.close();
      peer.join(2000);
    } finally {
      device.queueStopped(VsockDevice.RX);
      device.queueStopped(VsockDevice.TX);
      device.reset();
    }
  }

  /** Bytes the host program has read (guest→host runs). */
  private static final java.util.concurrent.atomic.AtomicLong HOST_READ =
      new java.util.concurrent.atomic.AtomicLong();

  private static Thread drain(SocketChannel host) {
    return Thread.ofPlatform().daemon().start(() -> {
      ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
      try {
        int n;
        while ((n = host.read(b)) >= 0) {
          HOST_READ.addAndGet(n);
          b.clear();
        }
      } catch (Exception e) {
        // closed
      }
    });
  }

  private static Thread fill(SocketChannel host) {
    return Thread.ofPlatform().daemon().start(() -> {
      ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
      try {
        while (true) {
          b.clear();
          host.write(b);
        }
      } catch (Exception e) {
        // closed
      }
    });
  }

  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  /** Where packet {@code i} of a batch keeps its payload: region R1 (64 KiB), reused. */
  private static long payloadAt(int i, int size) {
    return QueueHarness.R1 + (size >= 0x10000 ? 0 : ((long) i * size) % 0x10000);
  }

  /** Where packet {@code i} of a batch keeps its header: the data area of region R0. */
  private static long headerAt(int i) {
    return QueueHarness.DATA + 0x1000 + (long) i * 48;
  }

  /**
   * Guest→host RW packets of {@code size} bytes, laid out as Linux does: a 44-byte header
   * descriptor and a payload descriptor. Throughput is what the host program read.
   */
  private static long txLoop(VsockDevice device, QueueHarness tx, QueueHarness rx, int size,
      int srcPort, int seconds) throws Exception {
    for (int i = 0; i < BATCH; i++) {
      tx.write(headerAt(i), header(PacketHeader.OP_RW, srcPort, size));
    }
    long packets = 0;
    long start = System.nanoTime();
    long warm = start + 1_000_000_000L;
    long end = warm + seconds * 1_000_000_000L;
    long t0 = 0;
    long countFrom = 0;
    long bytesFrom = 0;
    long allocFrom = 0;
    while (true) {
      long now = System.nanoTime();
      if (t0 == 0 && now >= warm) {
        t0 = now;
        countFrom = packets;
        bytesFrom = HOST_READ.get();
        allocFrom = allocated();
      }
      if (now >= end) {
        break;
      }
      for (int i = 0; i < BATCH && tx.driver.freeDescriptors() >= 2; i++) {
        tx.driver.publish(tx.driver.addChain(
            new Buffer(headerAt(i), PacketHeader.SIZE, false),
            new Buffer(payloadAt(i, size), size, false)));
      }
      device.handleQueue(VsockDevice.TX, tx.vq);
      for (UsedElement e = tx.used(); e != null; e = tx.used()) {
        packets++;
      }
      // Credit updates come back on RX: keep it supplied.
      while (rx.driver.freeDescriptors() > 0) {
        rx.driver.publish(rx.driver.addChain(
            new Buffer(QueueHarness.DATA, PacketHeader.SIZE + 64, true)));
      }
      device.handleQueue(VsockDevice.RX, rx.vq);
      while (rx.used() != null) {
        // credit updates
      }
    }
    long nanos = System.nanoTime() - t0;
    long alloc = allocated() - allocFrom;
    report("guest→host", size, packets - countFrom, HOST_READ.get() - bytesFrom, nanos, alloc);
    return packets;
  }

  /** Host→guest: RX chains of a 44-byte header and a {@code size}-byte payload descriptor. */
  private static long rxLoop(VsockDevice device, QueueHarness rx, QueueHarness tx, int size,
      int srcPort, int seconds) throws Exception {
    long bytes = 0;
    long packets = 0;
    long start = System.nanoTime();
    long warm = start + 1_000_000_000L;
    long end = warm + seconds * 1_000_000_000L;
    long t0 = 0;
    long countFrom = 0;
    long bytesFrom = 0;
    long allocFrom = 0;
    while (true) {
      long now = System.nanoTime();
      if (t0 == 0 && now >= warm) {
        t0 = now;
        countFrom = packets;
        bytesFrom = bytes;
        allocFrom = allocated();
      }
      if (now >= end) {
        break;
      }
      for (int i = 0; i < BATCH && rx.driver.freeDescriptors() >= 2; i++) {
        rx.driver.publish(rx.driver.addChain(new Buffer(headerAt(i), PacketHeader.SIZE, true),
            new Buffer(payloadAt(i, size), size, true)));
      }
      device.handleQueue(VsockDevice.RX, rx.vq);
      for (UsedElement e = rx.used(); e != null; e = rx.used()) {
        if (e.len() > PacketHeader.SIZE) {
          packets++;
          bytes += e.len() - PacketHeader.SIZE;
        }
      }
      // A guest that keeps up: it has consumed everything and says so once per batch.
      byte[] credit = header(PacketHeader.OP_CREDIT_UPDATE, srcPort, 0);
      ByteBuffer.wrap(credit).order(ByteOrder.LITTLE_ENDIAN).putInt(PacketHeader.FWD_CNT,
          (int) bytes).putInt(PacketHeader.BUF_ALLOC, 1 << 20);
      tx.write(QueueHarness.DATA, credit);
      tx.driver.publish(tx.driver.addChain(new Buffer(QueueHarness.DATA, credit.length, false)));
      device.handleQueue(VsockDevice.TX, tx.vq);
      while (tx.used() != null) {
        // returned
      }
    }
    long nanos = System.nanoTime() - t0;
    long alloc = allocated() - allocFrom;
    report("host→guest", size, packets - countFrom, bytes - bytesFrom, nanos, alloc);
    return packets;
  }

  private static void report(String dir, int size, long packets, long bytes, long nanos,
      long alloc) {
    double secs = nanos / 1e9;
    System.out.printf("| %s | %d B | %.0f | %.0f | %.1f | %.1f |%n", dir, size, packets / secs,
        nanos / (double) Math.max(packets, 1), bytes / secs / (1 << 20),
        alloc / (double) Math.max(packets, 1));
  }
}
