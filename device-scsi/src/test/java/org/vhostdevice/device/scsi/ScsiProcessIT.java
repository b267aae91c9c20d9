// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.scsi.ScsiHarness.cdb;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.scsi.ScsiHarness.Result;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * The built daemon as a separate process, driven by the project's frontend over its socket the
 * way QEMU does: SCSI commands on a request queue, a TMF on the control queue, and a second
 * session after the first frontend hangs up.
 */
class ScsiProcessIT {
  private static final long GPA = 0x4000_0000L;
  @TempDir Path dir;

  /** One vhost-user session with the three queues started. */
  private static final class Session implements AutoCloseable {
    final Frontend f;
    final GuestRam ram;
    final EventFd masked;
    final FrontendQueue control;
    final FrontendQueue event;
    final FrontendQueue request;

    Session(Path sock) throws Exception {
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

    int abortTask() throws Exception {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24)
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      b.putInt(VirtioScsi.T_TMF).putInt(VirtioScsi.TMF_ABORT_TASK)
          .put(LunAddress.encode(0, 0)).putLong(1);
      long at = ram.alloc(24, 16);
      ram.memory().write(at, MemorySegment.ofArray(b.array()));
      long respAt = ram.alloc(1, 16);
      control.driver().publish(control.driver().addChain(
          new Buffer(at, 24, false), new Buffer(respAt, 1, true)));
      control.kickFd().signal();
      assertNotNull(control.awaitUsed(20_000), "the TMF was not answered");
      byte[] r = new byte[1];
      ram.memory().read(respAt, MemorySegment.ofArray(r));
      return r[0];
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

  @Test
  void writesReachTheImageAndASecondFrontendIsServed() throws Exception {
    Path image = Files.write(dir.resolve("disk.img"), new byte[64 * 512]);
    Path sock = dir.resolve("scsi.sock");
    byte[] pattern = new byte[8 * 512];
    new java.util.Random(42).nextBytes(pattern);
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", sock.toString(), image.toString())) {
      try (Session s = new Session(sock)) {
        Result inq = s.command(cdb(0x12, 0, 0, 0, 96, 0), null, 96);
        assertTrue(inq.good(), d.log());
        assertEquals("rust-vmm", new String(inq.dataIn(), 8, 8));
        Result cap = s.command(cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 8);
        assertArrayEquals(cdb(0, 0, 0, 63, 0, 0, 2, 0), cap.dataIn());
        assertTrue(s.command(cdb(0x2A, 0, 0, 0, 0, 10, 0, 0, 8, 0), pattern, 0).good());
        assertTrue(s.command(cdb(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 0).good());
        assertEquals(VirtioScsi.S_FUNCTION_COMPLETE, s.abortTask());
      }
      assertArrayEquals(pattern, Arrays.copyOfRange(Files.readAllBytes(image), 10 * 512, 18 * 512));
      // QEMU restarted: the daemon serves the next frontend (the Rust one has exited by now).
      try (Session s = new Session(sock)) {
        Result r = s.command(cdb(0x28, 0, 0, 0, 0, 10, 0, 0, 8, 0), null, 8 * 512);
        assertTrue(r.good(), d.log());
        assertArrayEquals(pattern, r.dataIn());
      }
      assertTrue(d.isAlive());
      assertEquals(0, d.stop());
    }
  }

  @Test
  void aReadOnlyDaemonServesAReadOnlyFileAndRefusesWrites() throws Exception {
    Path image = Files.write(dir.resolve("ro.img"), new byte[16 * 512]);
    image.toFile().setWritable(false);
    Path sock = dir.resolve("scsi-ro.sock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-r", "-s", sock.toString(), image.toString());
        Session s = new Session(sock)) {
      Result w = s.command(cdb(0x2A, 0, 0, 0, 0, 1, 0, 0, 1, 0), new byte[512], 0);
      assertEquals(ScsiStatus.CHECK_CONDITION, w.status(), d.log());
      assertArrayEquals(new int[] {7, 0x27, 0}, w.senseTriple());
      assertTrue(s.command(cdb(0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0), null, 512).good());
    }
    assertArrayEquals(new byte[16 * 512], Files.readAllBytes(image));
  }

  @Test
  void anImageOfABadSizeStopsTheDaemonWithAClearMessage() throws Exception {
    Path image = Files.write(dir.resolve("odd.img"), new byte[1000]);
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "-s",
        dir.resolve("x.sock").toString(), image.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("not a multiple of the 512-byte block size"), out);
  }
}
