// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/** A video device driven over fake guest memory by driver-side command and event queues. */
final class QueueHarness implements AutoCloseable {
  static final long RAM = 0x4000_0000L;
  static final long RAM_SIZE = 4 << 20;
  static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  final Arena arena = Arena.ofShared();
  final MemorySegment ram = arena.allocate(RAM_SIZE, 4096);
  final GuestMemory memory;
  final DriverQueue cmdDriver;
  final DriverQueue evtDriver;
  final SplitQueue cmdQueue = new SplitQueue(VideoDevice.QUEUE_SIZE);
  final SplitQueue evtQueue = new SplitQueue(VideoDevice.QUEUE_SIZE);
  final VirtQueue cmdVq;
  final VirtQueue evtVq;
  final AtomicInteger cmdWakes = new AtomicInteger();
  final AtomicInteger evtWakes = new AtomicInteger();
  final VideoDevice device;
  private long next = RAM + 0x40000;

  QueueHarness(VideoBackend backend) throws Exception {
    GuestRegion region = GuestRegion.ofSegment(RAM, ram.address(), ram, null);
    memory = GuestMemory.of(List.of(region));
    region.release();
    cmdDriver = DriverQueue.layout(memory, 64, RAM);
    evtDriver = DriverQueue.layout(memory, 64, RAM + 0x10000);
    cmdVq = setUp(cmdQueue, cmdDriver, 0);
    evtVq = setUp(evtQueue, evtDriver, 1);
    cmdVq.bindWaker(cmdWakes::incrementAndGet);
    evtVq.bindWaker(evtWakes::incrementAndGet);
    device = new VideoDevice(backend);
    device.queueStarted(0, cmdVq);
    device.queueStarted(1, evtVq);
  }

  private VirtQueue setUp(SplitQueue q, DriverQueue d, int index) throws Exception {
    q.setSize(64);
    q.setAddresses(d.descTable(), d.availRing(), d.usedRing());
    q.setReady(true);
    VirtQueue vq = new VirtQueue(index, q);
    vq.beginBatch(memory);
    return vq;
  }

  long alloc(int size) {
    long at = next;
    next += (size + 63) & ~63;
    return at;
  }

  long put(byte[] bytes) {
    long at = alloc(bytes.length);
    MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, at - RAM, bytes.length);
    return at;
  }

  /** A command: request bytes readable, then a writable response buffer of respLen bytes. */
  Sent send(byte[] request, int respLen) {
    long req = put(request);
    long resp = alloc(respLen);
    int head = cmdDriver.addChain(new Buffer(req, request.length, false),
        new Buffer(resp, respLen, true));
    cmdDriver.publish(head);
    return new Sent(head, resp);
  }

  record Sent(int head, long resp) {}

  /** Runs one command-queue batch and returns what it completed. */
  List<UsedElement> runCommands() throws Exception {
    device.handleQueue(0, cmdVq);
    cmdQueue.publishUsed(memory);
    return drain(cmdDriver);
  }

  long postEventBuffer(int len) {
    long at = alloc(len);
    evtDriver.publish(evtDriver.addChain(new Buffer(at, len, true)));
    return at;
  }

  List<UsedElement> runEvents() throws Exception {
    device.handleQueue(1, evtVq);
    evtQueue.publishUsed(memory);
    return drain(evtDriver);
  }

  private static List<UsedElement> drain(DriverQueue d) {
    java.util.ArrayList<UsedElement> out = new java.util.ArrayList<>();
    UsedElement e;
    while ((e = d.pollUsed()) != null) {
      out.add(e);
    }
    return out;
  }

  int u32(long gpa) {
    return ram.get(U32, gpa - RAM);
  }

  long u64(long gpa) {
    return ram.get(U64, gpa - RAM);
  }

  /** Little-endian request builder. */
  static final class Req {
    private final ByteBuffer b;
    private final int size;

    /** A request of {@code size} bytes (shorter than a header: the header is cut). */
    Req(int size, int type, int stream) {
      this.size = size;
      b = ByteBuffer.allocate(Math.max(size, 8)).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(0, type).putInt(4, stream);
    }

    Req u32(int offset, int v) {
      b.putInt(offset, v);
      return this;
    }

    Req u64(int offset, long v) {
      b.putLong(offset, v);
      return this;
    }

    byte[] bytes() {
      return java.util.Arrays.copyOf(b.array(), size);
    }
  }

  @Override
  public void close() {
    device.close();
    memory.release();
    arena.close();
  }
}
