// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * A sound device over fake guest memory with its four queues, driven like the core drives it:
 * batches of handleQueue with the memory bound, the used ring published after each. Wake-ups
 * from backends are counted, and a test clock stands in for time.
 */
final class SoundRig implements AutoCloseable {
  static final long BASE = 0x10_0000;
  static final int SIZE = 4 << 20;

  final Arena arena = Arena.ofShared();
  final GuestMemory memory;
  final DriverQueue[] drivers = new DriverQueue[VirtioSnd.NUM_QUEUES];
  final SplitQueue[] queues = new SplitQueue[VirtioSnd.NUM_QUEUES];
  final VirtQueue[] vqs = new VirtQueue[VirtioSnd.NUM_QUEUES];
  final AtomicInteger[] wakes = new AtomicInteger[VirtioSnd.NUM_QUEUES];
  final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  final SoundDevice device;
  private long next = BASE + 0x10_0000;

  SoundRig(AudioBackend backend) throws Exception {
    MemorySegment ram = arena.allocate(SIZE, 4096);
    List<GuestRegion> regions = List.of(GuestRegion.ofSegment(BASE, ram.address(), ram, null));
    memory = GuestMemory.of(regions);
    regions.forEach(GuestRegion::release);
    device = new SoundDevice(backend, now::get);
    for (int q = 0; q < VirtioSnd.NUM_QUEUES; q++) {
      drivers[q] = DriverQueue.layout(memory, VirtioSnd.QUEUE_SIZE, BASE + q * 0x4000L);
      queues[q] = new SplitQueue(VirtioSnd.QUEUE_SIZE);
      queues[q].setSize(VirtioSnd.QUEUE_SIZE);
      queues[q].setAddresses(drivers[q].descTable(), drivers[q].availRing(), drivers[q].usedRing());
      vqs[q] = new VirtQueue(q, queues[q]);
      AtomicInteger w = new AtomicInteger();
      wakes[q] = w;
      vqs[q].bindWaker(w::incrementAndGet);
      device.queueStarted(q, vqs[q]);
    }
  }

  long alloc(int n) {
    long a = next;
    next += (n + 63) & ~63L;
    if (next > BASE + SIZE) {
      next = BASE + 0x10_0000;
      a = next;
      next += (n + 63) & ~63L;
    }
    return a;
  }

  long put(byte[] data) throws Exception {
    long a = alloc(Math.max(1, data.length));
    memory.write(a, MemorySegment.ofArray(data));
    return a;
  }

  byte[] get(long gpa, int n) throws Exception {
    byte[] b = new byte[n];
    memory.read(gpa, MemorySegment.ofArray(b));
    return b;
  }

  /** One batch on queue {@code q}; returns the retry the device asked for (-1: none). */
  long run(int q) throws Exception {
    vqs[q].beginBatch(memory);
    try {
      device.handleQueue(q, vqs[q]);
    } finally {
      vqs[q].endBatch();
    }
    queues[q].publishUsed(memory);
    return vqs[q].takeRetry();
  }

  UsedElement used(int q) {
    return drivers[q].pollUsed();
  }

  static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  static byte[] hdr(int code, int... words) {
    ByteBuffer b = le(4 + 4 * words.length).putInt(code);
    for (int w : words) {
      b.putInt(w);
    }
    return b.array();
  }

  static byte[] setParams(int stream, int buffer, int period, int features, int channels,
      int format, int rate) {
    return le(VirtioSnd.SET_PARAMS_SIZE).putInt(VirtioSnd.R_PCM_SET_PARAMS).putInt(stream)
        .putInt(buffer).putInt(period).putInt(features).put((byte) channels).put((byte) format)
        .put((byte) rate).put((byte) 0).array();
  }

  /** A control request answered in one batch: the response bytes (used length of them). */
  byte[] control(byte[] request, int responseLen) throws Exception {
    long req = put(request);
    long resp = alloc(responseLen);
    drivers[0].publish(drivers[0].addChain(new Buffer(req, request.length, false),
        new Buffer(resp, responseLen, true)));
    run(0);
    UsedElement e = used(0);
    if (e == null) {
      throw new AssertionError("control request not answered");
    }
    return get(resp, e.len());
  }

  /** The status of a control request that only answers a status. */
  int status(byte[] request) throws Exception {
    byte[] r = control(request, 4);
    if (r.length != 4) {
      throw new AssertionError("used length " + r.length);
    }
    return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  /** Queues a TX request; returns the address of its 8-byte status. */
  long tx(int stream, byte[] frames) throws Exception {
    byte[] req = le(4 + frames.length).putInt(stream).put(frames).array();
    long r = put(req);
    long st = alloc(8);
    drivers[2].publish(drivers[2].addChain(new Buffer(r, req.length, false),
        new Buffer(st, 8, true)));
    return st;
  }

  /** Queues an RX request for {@code n} bytes; returns the address of its buffer (status after). */
  long rx(int stream, int n) throws Exception {
    long r = put(le(4).putInt(stream).array());
    long buf = alloc(n + 8);
    drivers[3].publish(drivers[3].addChain(new Buffer(r, 4, false),
        new Buffer(buf, n + 8, true)));
    return buf;
  }

  int u32(long gpa) throws Exception {
    return ByteBuffer.wrap(get(gpa, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  @Override
  public void close() {
    memory.release();
    arena.close();
  }
}
