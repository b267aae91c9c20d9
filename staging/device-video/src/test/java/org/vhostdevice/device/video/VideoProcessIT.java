// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.video.VideoProtocol.*;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.video.QueueHarness.Req;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/** The built vhost-device-video launcher, driven over its socket by the project's frontend. */
class VideoProcessIT {
  @TempDir Path dir;

  @Test
  void printCapabilitiesNeedsNoOtherOption() throws Exception {
    Process p = new ProcessBuilder(DaemonProcess.launcher().toString(), "--print-capabilities")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("\"video\""), out);
  }

  @Test
  void theTestBackendDecodesAFrameAndTheDaemonExitsOnSigterm() throws Exception {
    Path sock = dir.resolve("video.sock");
    Path absent = dir.resolve("video0");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("log"), "-s", sock.toString(),
        "-b", "test-fake-decoder", "-d", absent.toString())) {
      try (GuestSession g = new GuestSession(sock)) {
        assertEquals(RESP_OK_NODATA, g.u32(g.call(new Req(STREAM_CREATE_SIZE,
            CMD_STREAM_CREATE, 1).u32(SC_CODED_FORMAT, FORMAT_FWHT))));
        long in = g.resource(QUEUE_TYPE_INPUT, 10, 4096);
        long out = g.resource(QUEUE_TYPE_OUTPUT, 20, FakeV4l2Decoder.FRAME_SIZE);
        long ev = g.postEventBuffer();
        g.seg().set(ValueLayout.JAVA_BYTE, in - GuestSession.RAM, (byte) 0x21);
        g.send(GuestSession.queue(QUEUE_TYPE_INPUT, 10, 7_000, 16), 64);
        int qout = g.send(GuestSession.queue(QUEUE_TYPE_OUTPUT, 20, 0, 0), 64);
        UsedElement a = g.await(g.cmd);
        UsedElement b = g.await(g.cmd);
        assertTrue(a.id() == qout || b.id() == qout);
        assertEquals(7_000L, g.u64(g.respOf.get(qout) + RQ_RESP_TIMESTAMP));
        assertEquals(0x21, g.seg().get(ValueLayout.JAVA_BYTE, out - GuestSession.RAM));
        g.await(g.evt);
        assertEquals(EVENT_DECODER_RESOLUTION_CHANGED, g.u32(ev));
        assertNull(g.cmd.awaitUsed(100));
      }
      assertTrue(d.isAlive(), d.log());
      assertEquals(0, d.stop(), d.log());
    }
    assertTrue(!Files.exists(absent), "the device path is never created");
  }
}
