// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.vhostdevice.device.video.VideoProtocol.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.vhostdevice.device.video.QueueHarness.Req;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;

/** One guest session over the project's frontend: RAM, the two queues, request helpers. */
final class GuestSession implements AutoCloseable {
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final long RAM = 0x4000_0000L;

  final Frontend f;
  final GuestRam ram;
  final FrontendQueue cmd;
  final FrontendQueue evt;
  final Map<Integer, Long> respOf = new HashMap<>();

  GuestSession(Path sock) throws Exception {
    f = Frontend.connect(sock);
    ram = GuestRam.create(RAM, 4 << 20);
    cmd = new FrontendQueue(0, ram, 64);
    evt = new FrontendQueue(1, ram, 64);
    Frontend.Negotiated n = f.qemuInit(2);
    f.start(ram, n.features() & ~(1L << 30), cmd, evt);
  }

  MemorySegment seg() throws Exception {
    return ram.memory().slice(RAM, 4 << 20);
  }

  int u32(long gpa) throws Exception {
    return seg().get(U32, gpa - RAM);
  }

  long u64(long gpa) throws Exception {
    return seg().get(U64, gpa - RAM);
  }

  /** Sends a command (not waiting); returns its head. */
  int send(Req r, int respLen) throws Exception {
    byte[] b = r.bytes();
    long req = ram.alloc(b.length, 8);
    MemorySegment.copy(b, 0, seg(), ValueLayout.JAVA_BYTE, req - RAM, b.length);
    long resp = ram.alloc(respLen, 8);
    int head = cmd.driver().addChain(new Buffer(req, b.length, false),
        new Buffer(resp, respLen, true));
    respOf.put(head, resp);
    cmd.driver().publish(head);
    cmd.kick();
    return head;
  }

  UsedElement await(FrontendQueue q) throws Exception {
    UsedElement e = q.awaitUsed(10_000);
    assertNotNull(e, "no completion within 10 s");
    return e;
  }

  /** Sends a command and waits for its (synchronous) response; returns the response address. */
  long call(Req r) throws Exception {
    int head = send(r, 512);
    UsedElement e = await(cmd);
    assertEquals(head, e.id());
    return respOf.get(head);
  }

  long resource(int qt, int id, int len) throws Exception {
    long buf = ram.alloc(len, 4096);
    long resp = call(new Req(RESOURCE_CREATE_SIZE + MEM_ENTRY_SIZE, CMD_RESOURCE_CREATE, 1)
        .u32(REQ_QUEUE_TYPE, qt).u32(RC_RESOURCE_ID, id).u32(RC_NUM_PLANES, 1)
        .u32(RC_NUM_ENTRIES, 1).u64(RESOURCE_CREATE_SIZE, buf)
        .u32(RESOURCE_CREATE_SIZE + 8, len));
    assertEquals(RESP_OK_NODATA, u32(resp));
    return buf;
  }

  long postEventBuffer() throws Exception {
    long buf = ram.alloc(EVENT_SIZE, 8);
    evt.driver().publish(evt.driver().addChain(new Buffer(buf, EVENT_SIZE, true)));
    evt.kick();
    return buf;
  }

  @Override
  public void close() {
    cmd.close();
    evt.close();
    ram.close();
    f.close();
  }

  static Req queue(int qt, int id, long ts, int size) {
    return new Req(RESOURCE_QUEUE_SIZE, CMD_RESOURCE_QUEUE, 1).u32(REQ_QUEUE_TYPE, qt)
        .u32(RQ_RESOURCE_ID, id).u64(RQ_TIMESTAMP, ts).u32(RQ_NUM_DATA_SIZES, 1)
        .u32(RQ_DATA_SIZES, size);
  }
}
