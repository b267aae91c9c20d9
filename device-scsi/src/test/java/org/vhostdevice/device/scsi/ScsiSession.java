// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.device.scsi.ScsiHarness.Result;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;

/**
 * One vhost-user session with a scsi daemon, its three queues started, sending SCSI commands to
 * LUN 0 the way QEMU's guest driver would (for the fault tests).
 */
final class ScsiSession implements AutoCloseable {
  private static final long GPA = 0x4000_0000L;
  private final Frontend f;
  private final GuestRam ram;
  private final EventFd masked;
  private final FrontendQueue control;
  private final FrontendQueue event;
  private final FrontendQueue request;

  ScsiSession(Path sock) throws Exception {
    f = Frontend.connect(sock);
    ram = GuestRam.create(GPA, 4 << 20);
    masked = EventFd.create();
    control = new FrontendQueue(0, ram, 128);
    event = new FrontendQueue(1, ram, 128);
    request = new FrontendQueue(2, ram, 128);
    Frontend.Negotiated n = f.qemuInit(3, masked);
    assertEquals(0x1_7000_0006L, n.features());
    f.start(ram, n.features() & ~VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES,
        control, event, request);
  }

  /** Sends one command: request + data-out, then response + data-in buffers. */
  Result command(byte[] cdb, byte[] dataOut, int dataIn) throws Exception {
    List<Buffer> bufs = new ArrayList<>();
    byte[] req = ScsiHarness.request(LunAddress.encode(0, 0), cdb);
    long reqAt = ram.alloc(req.length, 16);
    ram.memory().write(reqAt, MemorySegment.ofArray(req));
    bufs.add(new Buffer(reqAt, req.length, false));
    if (dataOut != null) {
      long at = ram.alloc(dataOut.length, 4096);
      ram.memory().write(at, MemorySegment.ofArray(dataOut));
      bufs.add(new Buffer(at, dataOut.length, false));
    }
    long respAt = ram.alloc(VirtioScsi.RESP_SIZE, 16);
    bufs.add(new Buffer(respAt, VirtioScsi.RESP_SIZE, true));
    long inAt = 0;
    if (dataIn > 0) {
      inAt = ram.alloc(dataIn, 4096);
      bufs.add(new Buffer(inAt, dataIn, true));
    }
    request.driver().publish(request.driver().addChain(bufs.toArray(new Buffer[0])));
    request.kickFd().signal();
    UsedElement e = request.awaitUsed(20_000);
    assertNotNull(e, "no answer within 20 s");
    byte[] resp = new byte[VirtioScsi.RESP_SIZE];
    ram.memory().read(respAt, MemorySegment.ofArray(resp));
    byte[] data = new byte[dataIn];
    if (dataIn > 0) {
      ram.memory().read(inAt, MemorySegment.ofArray(data));
    }
    return ScsiHarness.decode(e.len(), resp, data);
  }

  /** WRITE(10) of {@code data} (whole blocks) at {@code lba}. */
  Result write10(int lba, byte[] data) throws Exception {
    int blocks = data.length / BlockLun.BLOCK_SIZE;
    return command(ScsiHarness.cdb(0x2A, 0, lba >>> 24, (lba >>> 16) & 0xFF, (lba >>> 8) & 0xFF,
        lba & 0xFF, 0, blocks >>> 8, blocks & 0xFF, 0), data, 0);
  }

  /** READ(10) of {@code blocks} blocks at {@code lba}. */
  Result read10(int lba, int blocks) throws Exception {
    return command(ScsiHarness.cdb(0x28, 0, lba >>> 24, (lba >>> 16) & 0xFF, (lba >>> 8) & 0xFF,
        lba & 0xFF, 0, blocks >>> 8, blocks & 0xFF, 0), null, blocks * BlockLun.BLOCK_SIZE);
  }

  @Override
  public void close() {
    f.close();
    control.close();
    event.close();
    request.close();
    masked.close();
    ram.close();
  }
}
