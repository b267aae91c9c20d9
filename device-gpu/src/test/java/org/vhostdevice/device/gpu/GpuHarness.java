// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * A GPU device over fake guest memory (two adjacent regions) with both queues, and helpers that
 * build requests and read responses the way the Linux driver lays them out.
 */
final class GpuHarness implements AutoCloseable {
  static final long R0 = 0x10_0000;
  static final long R0_SIZE = 8 << 20;
  static final long R1 = R0 + R0_SIZE;
  static final long R1_SIZE = 1 << 20;

  final Arena arena = Arena.ofShared();
  final GuestMemory memory;
  final GpuDevice device;
  final RecordingDisplay display = new RecordingDisplay();
  private final DriverQueue[] drivers = new DriverQueue[2];
  private final SplitQueue[] queues = new SplitQueue[2];
  private final VirtQueue[] vqs = new VirtQueue[2];
  private long next = R0 + 0x10000;

  GpuHarness(GpuMode mode) throws Exception {
    this(mode, null);
  }

  /** Wake-ups the device asked for on the control queue (fences done). */
  final java.util.concurrent.Semaphore wakes = new java.util.concurrent.Semaphore(0);

  GpuHarness(GpuMode mode, VirglRenderer renderer) throws Exception {
    MemorySegment a = arena.allocate(R0_SIZE, 4096);
    MemorySegment b = arena.allocate(R1_SIZE, 4096);
    List<GuestRegion> regions = List.of(GuestRegion.ofSegment(R0, a.address(), a, null),
        GuestRegion.ofSegment(R1, b.address(), b, null));
    memory = GuestMemory.of(regions);
    regions.forEach(GuestRegion::release);
    for (int q = 0; q < 2; q++) {
      drivers[q] = DriverQueue.layout(memory, 64, R0 + q * 0x8000L);
      queues[q] = new SplitQueue(VirtioGpu.QUEUE_SIZE);
      queues[q].setSize(64);
      queues[q].setAddresses(drivers[q].descTable(), drivers[q].availRing(),
          drivers[q].usedRing());
      vqs[q] = new VirtQueue(q, queues[q]);
      vqs[q].beginBatch(memory);
    }
    device = new GpuDevice(GpuConfig.of(mode, null, true, false, true, true, 1_000_000_000L),
        renderer);
    vqs[0].bindWaker(wakes::release);
    device.queueStarted(0, vqs[0]);
    device.queueStarted(1, vqs[1]);
    if (mode != GpuMode.NULL) {
      device.useDisplayForTest(display);
    }
  }

  /** Guest memory for a buffer: a bump allocator in region 0, 64-byte aligned. */
  long alloc(long size) {
    long at = next;
    next = (next + size + 63) & ~63L;
    if (next > R0 + R0_SIZE) {
      throw new IllegalStateException("harness memory exhausted");
    }
    return at;
  }

  private long requestsStart = -1;

  /** Frees the request memory allocated since the first rewind (benchmarks loop forever). */
  void rewind() {
    if (requestsStart < 0) {
      requestsStart = next;
    } else {
      next = requestsStart;
    }
  }

  /** A request: the control header then the body, little-endian. */
  static final class Cmd {
    final ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);

    Cmd(int type) {
      this(type, 0, 0, 0, 0);
    }

    Cmd(int type, int flags, long fenceId, int ctxId, int ringIdx) {
      b.putInt(type).putInt(flags).putLong(fenceId).putInt(ctxId).put((byte) ringIdx)
          .put(new byte[3]);
    }

    Cmd u32(int... values) {
      for (int v : values) {
        b.putInt(v);
      }
      return this;
    }

    Cmd u64(long v) {
      b.putLong(v);
      return this;
    }

    byte[] bytes() {
      return java.util.Arrays.copyOf(b.array(), b.position());
    }
  }

  /** The device's answer to one request: used length and the response bytes. */
  record Reply(int usedLen, ByteBuffer bytes) {
    int type() {
      return bytes.getInt(0);
    }
  }

  Reply submit(int queue, byte[] request, int responseRoom) throws Exception {
    long req = alloc(request.length);
    memory.write(req, MemorySegment.ofArray(request));
    if (responseRoom == 0) {
      return run(queue, new Buffer(req, request.length, false));
    }
    long resp = alloc(responseRoom);
    return run(queue, new Buffer(req, request.length, false), new Buffer(resp, responseRoom, true));
  }

  /** Publishes a request (request bytes, then {@code room} writable bytes); returns its head. */
  int post(int queue, byte[] request, int room) throws Exception {
    long req = alloc(request.length);
    memory.write(req, MemorySegment.ofArray(request));
    DriverQueue d = drivers[queue];
    int head = d.addChain(new Buffer(req, request.length, false), new Buffer(alloc(room), room, true));
    d.publish(head);
    return head;
  }

  /** Lets the device serve the queue once and returns what it completed, in order. */
  List<UsedElement> serve(int queue) throws Exception {
    device.handleQueue(queue, vqs[queue]);
    queues[queue].publishUsed(memory);
    List<UsedElement> done = new java.util.ArrayList<>();
    UsedElement e;
    while ((e = drivers[queue].pollUsed()) != null) {
      done.add(e);
    }
    return done;
  }

  /** Bytes the device allocated inside handleQueue, summed over every request (measurements). */
  long deviceAllocated;
  private static final com.sun.management.ThreadMXBean MX =
      (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

  Reply run(int queue, Buffer... chain) throws Exception {
    DriverQueue d = drivers[queue];
    d.publish(d.addChain(chain));
    long a0 = MX.getCurrentThreadAllocatedBytes();
    device.handleQueue(queue, vqs[queue]);
    deviceAllocated += MX.getCurrentThreadAllocatedBytes() - a0;
    queues[queue].publishUsed(memory);
    UsedElement e = d.pollUsed();
    if (e == null) {
      throw new AssertionError("request not completed");
    }
    long resp = -1;
    int room = 0;
    for (Buffer b : chain) {
      if (b.writable()) {
        resp = b.gpa();
        room = b.len();
        break;
      }
    }
    byte[] out = new byte[room];
    if (room > 0) {
      memory.read(resp, MemorySegment.ofArray(out));
    }
    return new Reply(e.len(), ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN));
  }

  Reply ctrl(Cmd cmd) throws Exception {
    return submit(VirtioGpu.CONTROL_QUEUE, cmd.bytes(), 4096);
  }

  int status(Cmd cmd) throws Exception {
    return ctrl(cmd).type();
  }

  int cursor(Cmd cmd) throws Exception {
    return submit(VirtioGpu.CURSOR_QUEUE, cmd.bytes(), 64).type();
  }

  // --- common sequences ------------------------------------------------------------------

  int create(int id, PixelFormat format, int w, int h) throws Exception {
    return status(new Cmd(VirtioGpu.CMD_RESOURCE_CREATE_2D).u32(id, format.code, w, h));
  }

  /** Backing of {@code bytes} in one entry; returns its guest address. */
  long attach(int id, int bytes) throws Exception {
    long gpa = alloc(bytes);
    int s = status(new Cmd(VirtioGpu.CMD_RESOURCE_ATTACH_BACKING).u32(id, 1).u64(gpa).u32(bytes, 0));
    if (s != VirtioGpu.RESP_OK_NODATA) {
      throw new AssertionError("attach failed: " + Integer.toHexString(s));
    }
    return gpa;
  }

  int transfer(int id, int x, int y, int w, int h, long offset) throws Exception {
    return status(new Cmd(VirtioGpu.CMD_TRANSFER_TO_HOST_2D).u32(x, y, w, h).u64(offset)
        .u32(id, 0));
  }

  int setScanout(int scanout, int id, int x, int y, int w, int h) throws Exception {
    return status(new Cmd(VirtioGpu.CMD_SET_SCANOUT).u32(x, y, w, h, scanout, id));
  }

  int flush(int id, int x, int y, int w, int h) throws Exception {
    return status(new Cmd(VirtioGpu.CMD_RESOURCE_FLUSH).u32(x, y, w, h, id, 0));
  }

  /** Fills guest memory with pixels whose 4 bytes encode (x, y): x low, x high, y low, y high. */
  void paint(long gpa, int w, int h) throws Exception {
    byte[] px = new byte[w * h * 4];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int o = (y * w + x) * 4;
        px[o] = (byte) x;
        px[o + 1] = (byte) (x >> 8);
        px[o + 2] = (byte) y;
        px[o + 3] = (byte) (y >> 8);
      }
    }
    memory.write(gpa, MemorySegment.ofArray(px));
  }

  @Override
  public void close() {
    memory.release();
    arena.close();
  }
}
