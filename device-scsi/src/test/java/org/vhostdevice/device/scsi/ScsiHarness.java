// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * A driver over fake guest memory: builds virtio-scsi requests (request header, data-out,
 * response, data-in as separate descriptors), runs a queue handler and decodes the answer.
 */
final class ScsiHarness implements AutoCloseable {
  static final long RAM = 0x10_0000;
  static final long RAM_SIZE = 4L << 20;
  private static final long BUFFERS = RAM + 0x1_0000;

  /** What came back: the response header, sense and data-in. */
  record Result(int usedLen, int senseLen, long residual, int statusQualifier, int status,
      int response, byte[] sense, byte[] dataIn) {
    boolean good() {
      return response == VirtioScsi.S_OK && status == ScsiStatus.GOOD;
    }

    /** Sense key, ASC, ASCQ of a CHECK CONDITION. */
    int[] senseTriple() {
      return new int[] {sense[2] & 0xFF, sense[12] & 0xFF, sense[13] & 0xFF};
    }
  }

  private final Arena arena = Arena.ofShared();
  final GuestMemory memory;
  final DriverQueue driver;
  final SplitQueue queue;
  final VirtQueue vq;
  private long next;

  ScsiHarness() throws Exception {
    MemorySegment ram = arena.allocate(RAM_SIZE, 4096);
    GuestRegion r = GuestRegion.ofSegment(RAM, ram.address(), ram, null);
    memory = GuestMemory.of(List.of(r));
    r.release();
    driver = DriverQueue.layout(memory, 64, RAM);
    queue = new SplitQueue(ScsiDevice.MAX_QUEUE_SIZE);
    queue.setSize(64);
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
    vq = new VirtQueue(0, queue);
    vq.beginBatch(memory);
  }

  long alloc(int len) {
    long at = next;
    next += (len + 15) & ~15L;
    return at;
  }

  void put(long gpa, byte[] b) throws Exception {
    memory.write(gpa, MemorySegment.ofArray(b));
  }

  byte[] get(long gpa, int n) throws Exception {
    byte[] b = new byte[n];
    memory.read(gpa, MemorySegment.ofArray(b));
    return b;
  }

  /** The 51-byte virtio_scsi_cmd_req. */
  static byte[] request(byte[] lun, byte[] cdb) {
    byte[] r = new byte[VirtioScsi.REQ_SIZE];
    System.arraycopy(lun, 0, r, 0, 8);
    System.arraycopy(cdb, 0, r, VirtioScsi.REQ_CDB, Math.min(cdb.length, VirtioScsi.CDB_SIZE));
    return r;
  }

  static byte[] cdb(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return b;
  }

  /** Publishes a chain of the given readable and writable parts (null/empty parts omitted). */
  int publish(byte[][] readable, int[] writable, long[] writableAt) throws Exception {
    next = BUFFERS;
    List<Buffer> bufs = new ArrayList<>();
    for (byte[] r : readable) {
      if (r != null && r.length > 0) {
        long at = alloc(r.length);
        put(at, r);
        bufs.add(new Buffer(at, r.length, false));
      }
    }
    for (int i = 0; i < writable.length; i++) {
      if (writable[i] > 0) {
        long at = alloc(writable[i]);
        put(at, new byte[writable[i]]);
        writableAt[i] = at;
        bufs.add(new Buffer(at, writable[i], true));
      }
    }
    int head = driver.addChain(bufs.toArray(new Buffer[0]));
    driver.publish(head);
    return head;
  }

  /** Pops the published chain for a test that drives the target directly. */
  DescriptorChain pop() throws Exception {
    return vq.pop();
  }

  /** Completes and reaps whatever the handler added to the used ring. */
  UsedElement reap() throws Exception {
    queue.publishUsed(memory);
    return driver.pollUsed();
  }

  /** Runs one command with data-in space {@code dataInLen}, response header in its own buffer. */
  Result run(RequestQueue rq, byte[] lun, byte[] cdb, byte[] dataOut, int dataInLen)
      throws Exception {
    long[] at = new long[2];
    publish(new byte[][] {request(lun, cdb), dataOut},
        new int[] {VirtioScsi.RESP_SIZE, dataInLen}, at);
    rq.handle(vq);
    UsedElement e = reap();
    byte[] resp = get(at[0], VirtioScsi.RESP_SIZE);
    byte[] data = dataInLen > 0 ? get(at[1], dataInLen) : new byte[0];
    return decode(e.len(), resp, data);
  }

  static Result decode(int used, byte[] resp, byte[] data) {
    MemorySegment s = MemorySegment.ofArray(resp);
    int senseLen = s.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
    long residual = Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT_UNALIGNED, 4));
    int qualifier = s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8) & 0xFFFF;
    byte[] sense = java.util.Arrays.copyOfRange(resp, 12, 12 + Math.min(senseLen, 96));
    return new Result(used, senseLen, residual, qualifier, resp[10] & 0xFF, resp[11] & 0xFF,
        sense, data);
  }

  @Override
  public void close() {
    vq.endBatch();
    memory.release();
    arena.close();
  }
}
