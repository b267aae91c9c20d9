// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

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

/** One guest session for end-to-end tests: the driver's side of both queues over shared memory. */
final class ScmiSession implements AutoCloseable {
  private static final long ACKED = 0x1_7100_0001L & ~(1L << 30);

  final Frontend f;
  final GuestRam ram;
  final FrontendQueue cmd;
  final FrontendQueue evt;

  ScmiSession(Path sock) throws Exception {
    f = Frontend.connect(sock);
    ram = GuestRam.create(0x4000_0000L, 1 << 20);
    cmd = new FrontendQueue(0, ram, 64);
    evt = new FrontendQueue(1, ram, 64);
    f.qemuInit(2);
    f.start(ram, ACKED, cmd, evt);
  }

  int[] ask(int protocol, int message, int... params) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * params.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(ScmiHeader.command(protocol, message));
    for (int p : params) {
      b.putInt(p);
    }
    long req = ram.alloc(b.capacity(), 8);
    long resp = ram.alloc(136, 8);
    ram.memory().write(req, MemorySegment.ofArray(b.array()));
    cmd.driver().publish(cmd.driver().addChain(new Buffer(req, b.capacity(), false),
        new Buffer(resp, 136, true)));
    cmd.kick();
    UsedElement e = cmd.awaitUsed(10_000);
    assertNotNull(e, "no answer to " + protocol + "/" + message);
    return words(resp, e.len());
  }

  int[] words(long gpa, int len) throws Exception {
    byte[] bytes = new byte[len];
    ram.memory().read(gpa, MemorySegment.ofArray(bytes));
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int[] w = new int[len / 4];
    for (int i = 0; i < w.length; i++) {
      w[i] = b.getInt();
    }
    return w;
  }

  @Override
  public void close() {
    f.close();
    cmd.close();
    evt.close();
    ram.close();
  }
}
