// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * Drives a device's queues with fuzzed descriptor chains (the Jazzer targets of every device) and checks the oracles every device
 * shares: each used element names a head that is in flight, its length is within the chain's
 * writable size, and no byte outside the writable buffers changes. One {@link QueueHarness} per
 * queue; its data area (from {@link QueueHarness#DATA} to the end of the second region) starts
 * filled with a canary and a shadow copy records what the guest wrote there.
 *
 * <p>The fuzz input is a sequence of records (so that seeds are easy to write by hand):
 * {@code ctl u8, rlen le16, wlen le16, rlen payload bytes}. In {@code ctl}, bits 0-1 pick the
 * queue (modulo the queues in play), bit 2 splits the readable bytes into two descriptors after
 * the device's header ({@code readSplit} bytes), bit 3 splits the writable bytes ({@code
 * writeSplit} bytes from the start if positive, from the end if negative), bit 4 set means "do
 * not kick yet" (so requests can batch), bits 5-7 are for the device's test. {@code rlen} and
 * {@code wlen} are taken modulo {@link #MAX_READABLE} + 1 and {@link #MAX_WRITABLE} + 1.
 */
public final class FuzzRig implements AutoCloseable {
  public static final int MAX_READABLE = 4096;
  public static final int MAX_WRITABLE = 8192;
  public static final int MAX_RECORDS = 48;
  public static final byte CANARY = (byte) 0xA5;
  private static final long END = QueueHarness.R1 + 0x10000;
  private static final int AREA = (int) (END - QueueHarness.DATA);

  /** One fuzz record. */
  public record Request(int ctl, byte[] readable, int writable) {
    public int queue(int queues) {
      return (ctl & 3) % queues;
    }

    public boolean splitReadable() {
      return (ctl & 4) != 0;
    }

    public boolean splitWritable() {
      return (ctl & 8) != 0;
    }

    public boolean kick() {
      return (ctl & 0x10) == 0;
    }

    public int extra() {
      return ctl >>> 5;
    }
  }

  /**
   * A chain the rig made available; readable and writable bytes are each contiguous, and
   * {@code lastWriteGpa} is where the last writable descriptor starts (0 if there is none).
   */
  public record Chain(int queue, int head, long readGpa, int readLen, long writeGpa, int writeLen,
      long lastWriteGpa) {}

  /** A used element and the chain it returned. */
  public record Done(Chain chain, int len) {}

  final VirtioDevice device;
  final QueueHarness[] q;
  private final int readSplit;
  private final int writeSplit;
  private final byte[][] shadow;
  private final long[] cursor;
  private final List<List<long[]>> writable = new ArrayList<>();
  private final List<Map<Integer, Chain>> inFlight = new ArrayList<>();
  private final AtomicBoolean[] woken;
  public final List<Done> done = new ArrayList<>();

  /** Starts every queue of {@code device} in {@code started} over its own harness. */
  public FuzzRig(VirtioDevice device, int readSplit, int writeSplit, int queues, int size,
      int... started) throws Exception {
    this.device = device;
    this.readSplit = readSplit;
    this.writeSplit = writeSplit;
    q = new QueueHarness[queues];
    shadow = new byte[queues][];
    cursor = new long[queues];
    woken = new AtomicBoolean[queues];
    for (int i = 0; i < queues; i++) {
      q[i] = new QueueHarness(i, size, device.maxQueueSize(i));
      shadow[i] = new byte[AREA];
      Arrays.fill(shadow[i], CANARY);
      q[i].write(QueueHarness.DATA, shadow[i]);
      cursor[i] = QueueHarness.DATA;
      writable.add(new ArrayList<>());
      inFlight.add(new HashMap<>());
      AtomicBoolean w = new AtomicBoolean();
      woken[i] = w;
      q[i].vq.bindWaker(() -> w.set(true));
    }
    for (int i : started) {
      device.queueStarted(i, q[i].vq);
    }
  }

  public static List<Request> parse(byte[] in) {
    List<Request> out = new ArrayList<>();
    int at = 0;
    while (at + 5 <= in.length && out.size() < MAX_RECORDS) {
      int ctl = in[at] & 0xFF;
      int rlen = ((in[at + 1] & 0xFF) | (in[at + 2] & 0xFF) << 8) % (MAX_READABLE + 1);
      int wlen = ((in[at + 3] & 0xFF) | (in[at + 4] & 0xFF) << 8) % (MAX_WRITABLE + 1);
      at += 5;
      rlen = Math.min(rlen, in.length - at);
      out.add(new Request(ctl, Arrays.copyOfRange(in, at, at + rlen), wlen));
      at += rlen;
    }
    return out;
  }

  /**
   * Writes the readable bytes into guest memory and makes a chain of them and {@code writeLen}
   * writable bytes available on {@code queue}. Returns null when the queue or its memory is full.
   */
  public Chain add(int queue, byte[] readable, int writeLen, boolean splitR, boolean splitW)
      throws Exception {
    QueueHarness h = q[queue];
    long need = readable.length + (long) writeLen;
    if (h.driver.freeDescriptors() < 4 || cursor[queue] + need > END) {
      return null;
    }
    long r = cursor[queue];
    long w = r + readable.length;
    cursor[queue] = w + writeLen;
    h.write(r, readable);
    System.arraycopy(readable, 0, shadow[queue], (int) (r - QueueHarness.DATA), readable.length);
    List<Buffer> bufs = new ArrayList<>(4);
    split(bufs, r, readable.length, splitR ? readSplit : 0, false);
    split(bufs, w, writeLen, splitW ? (writeSplit >= 0 ? writeSplit : writeLen + writeSplit) : 0,
        true);
    if (bufs.isEmpty()) {
      bufs.add(new Buffer(r, 0, false));
    }
    int head = h.driver.addChain(bufs.toArray(Buffer[]::new));
    h.driver.publish(head);
    long lastWrite = 0;
    for (Buffer b : bufs) {
      if (b.writable()) {
        lastWrite = b.gpa();
      }
    }
    Chain c = new Chain(queue, head, r, readable.length, w, writeLen, lastWrite);
    writable.get(queue).add(new long[] {w, writeLen});
    assertFalse(inFlight.get(queue).containsKey(head), "the driver reused a head in flight");
    inFlight.get(queue).put(head, c);
    return c;
  }

  /** One buffer, or two split {@code at} bytes in (when that leaves both non-empty). */
  private static void split(List<Buffer> out, long gpa, int len, int at, boolean wr) {
    if (len == 0) {
      return;
    }
    if (at > 0 && at < len) {
      out.add(new Buffer(gpa, at, wr));
      out.add(new Buffer(gpa + at, len - at, wr));
    } else {
      out.add(new Buffer(gpa, len, wr));
    }
  }

  /** Runs the queue's handler, then whatever queues the device woke, until it is quiet. */
  public void kick(int queue) throws Exception {
    device.handleQueue(queue, q[queue].vq);
    runWoken();
  }

  public void runWoken() throws Exception {
    for (int round = 0; round < 64; round++) {
      boolean any = false;
      for (int i = 0; i < q.length; i++) {
        if (woken[i].getAndSet(false)) {
          any = true;
          device.handleQueue(i, q[i].vq);
        }
      }
      if (!any) {
        return;
      }
    }
  }

  /** Publishes and takes every used element, checking head and length; returns the new ones. */
  public List<Done> collect() throws Exception {
    List<Done> fresh = new ArrayList<>();
    for (int i = 0; i < q.length; i++) {
      UsedElement e;
      while ((e = q[i].used()) != null) {
        Chain c = inFlight.get(i).remove(e.id());
        assertNotNull(c, "queue " + i + ": used head " + e.id() + " was not in flight");
        long len = Integer.toUnsignedLong(e.len());
        assertTrue(len <= c.writeLen(), () -> "queue " + c.queue() + ": used length "
            + len + " exceeds the " + c.writeLen() + " writable bytes");
        Done d = new Done(c, e.len());
        fresh.add(d);
      }
    }
    done.addAll(fresh);
    return fresh;
  }

  public int inFlight(int queue) {
    return inFlight.get(queue).size();
  }

  /** What the device wrote at the start of the chain's writable bytes (its used length). */
  public byte[] reply(Done d) throws Exception {
    return q[d.chain().queue()].read(d.chain().writeGpa(), d.len());
  }

  /** {@code n} bytes of guest memory of the chain's queue. */
  public byte[] read(Chain c, long gpa, int n) throws Exception {
    return q[c.queue()].read(gpa, n);
  }

  /**
   * No byte outside a writable buffer changed (readable buffers and the gaps included). Compares
   * the gaps between writable buffers with Arrays.mismatch: a byte loop here, instrumented by the
   * fuzzer, would cost more than the device under test.
   */
  public void checkNoStrayWrites() throws Exception {
    for (int i = 0; i < q.length; i++) {
      byte[] now = q[i].read(QueueHarness.DATA, AREA);
      List<long[]> ranges = new ArrayList<>(writable.get(i));
      ranges.sort((x, y) -> Long.compare(x[0], y[0]));
      int from = 0;
      for (long[] range : ranges) {
        int start = (int) (range[0] - QueueHarness.DATA);
        checkSame(i, now, from, Math.max(from, start));
        from = Math.max(from, start + (int) range[1]);
      }
      checkSame(i, now, from, AREA);
    }
  }

  private void checkSame(int queue, byte[] now, int from, int to) {
    int at = Arrays.mismatch(now, from, to, shadow[queue], from, to);
    if (at >= 0) {
      fail(String.format("queue %d: byte at gpa 0x%x changed outside every writable buffer",
          queue, QueueHarness.DATA + from + at));
    }
  }

  /** Fresh memory for the next requests (after the old ones are all used). */
  public void rewind(int queue) throws Exception {
    assertTrue(inFlight.get(queue).isEmpty(), "rewind with requests in flight");
    checkNoStrayWrites();
    writable.get(queue).clear();
    Arrays.fill(shadow[queue], CANARY);
    q[queue].write(QueueHarness.DATA, shadow[queue]);
    cursor[queue] = QueueHarness.DATA;
  }

  @Override
  public void close() {
    for (QueueHarness h : q) {
      h.close();
    }
  }
}
