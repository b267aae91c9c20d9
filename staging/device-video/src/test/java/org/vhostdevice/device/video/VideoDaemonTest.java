// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.video.VideoProtocol.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.video.QueueHarness.Req;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/**
 * End to end: the project's frontend, in QEMU's message order, drives the daemon on a real
 * socket. The daemon runs in this JVM with the V4L2 decoder backend over the fake decoder (the
 * fake is test code, so it is wired through the device factory rather than a CLI option).
 */
class VideoDaemonTest {
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final long RAM = 0x4000_0000L;

  @TempDir Path dir;
  private final FakeV4l2Decoder.Opener opener = new FakeV4l2Decoder.Opener();
  private Daemon daemon;
  private Path sock;

  @BeforeEach
  void start() throws Exception {
    sock = dir.resolve("video.sock");
    VideoMain main = new VideoMain();
    new CommandLine(main).parseArgs("-s", sock.toString(), "-b", "v4l2-decoder",
        "--log-level", "warn");
    daemon = new Daemon(VideoMain.SPEC, main.socket,
        i -> new VideoDevice(new V4l2Decoder(opener)));
    daemon.start();
  }

  @AfterEach
  void stop() throws Exception {
    daemon.stop();
  }


  /** The daemon tears a session down on its own thread after the disconnect. */
  private boolean allClosedWithin(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (opener.opened.stream().allMatch(d -> d.closed)) {
        return true;
      }
      Thread.sleep(10);
    }
    return false;
  }

  private static Req queue(int qt, int id, long ts, int size) {
    return GuestSession.queue(qt, id, ts, size);
  }

  @Test
  void decodesThroughTheFrontendInQemuOrder() throws Exception {
    try (GuestSession g = new GuestSession(sock)) {
      byte[] config = g.f.getConfig(0, CONFIG_SIZE);
      assertEquals(4096, MemorySegment.ofArray(config).get(U32, CONFIG_MAX_CAPS_LENGTH));

      long caps = g.call(new Req(QUERY_CAPABILITY_SIZE, CMD_QUERY_CAPABILITY, 0)
          .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT));
      assertEquals(RESP_OK_QUERY_CAPABILITY, g.u32(caps));
      assertEquals(FORMAT_FWHT, g.u32(caps + CAPS_HEADER_SIZE + 8));

      assertEquals(RESP_OK_NODATA, g.u32(g.call(new Req(STREAM_CREATE_SIZE, CMD_STREAM_CREATE, 1)
          .u32(SC_CODED_FORMAT, FORMAT_FWHT))));
      assertEquals(RESP_OK_NODATA, g.u32(g.call(new Req(SET_PARAMS_SIZE, CMD_SET_PARAMS_EXT, 1)
          .u32(HDR_SIZE + Params.QUEUE_TYPE, QUEUE_TYPE_INPUT)
          .u32(HDR_SIZE + Params.FORMAT, FORMAT_FWHT).u32(HDR_SIZE + Params.NUM_PLANES, 1))));
      long params = g.call(new Req(GET_PARAMS_SIZE, CMD_GET_PARAMS_EXT, 1)
          .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_OUTPUT));
      assertEquals(RESP_OK_GET_PARAMS, g.u32(params));
      assertEquals(FORMAT_NV12, g.u32(params + HDR_SIZE + Params.FORMAT));

      long in = g.resource(QUEUE_TYPE_INPUT, 10, 4096);
      long out = g.resource(QUEUE_TYPE_OUTPUT, 20, FakeV4l2Decoder.FRAME_SIZE);
      g.resource(QUEUE_TYPE_OUTPUT, 21, FakeV4l2Decoder.FRAME_SIZE);
      long ev1 = g.postEventBuffer();
      long ev2 = g.postEventBuffer();

      g.seg().set(ValueLayout.JAVA_BYTE, in - RAM, (byte) 0x77);
      int qin = g.send(queue(QUEUE_TYPE_INPUT, 10, 5_000_000, 64), 64);
      int qout = g.send(queue(QUEUE_TYPE_OUTPUT, 20, 0, 0), 64);
      boolean inDone = false;
      boolean outDone = false;
      for (int i = 0; i < 2; i++) {
        UsedElement e = g.await(g.cmd);
        assertEquals(RESOURCE_QUEUE_RESP_SIZE, e.len());
        inDone |= e.id() == qin;
        outDone |= e.id() == qout;
      }
      assertTrue(inDone && outDone);
      long r = g.respOf.get(qout);
      assertEquals(RESP_OK_RESOURCE_QUEUE, g.u32(r));
      assertEquals(5_000_000L, g.u64(r + RQ_RESP_TIMESTAMP));
      assertEquals(FakeV4l2Decoder.FRAME_SIZE, g.u32(r + RQ_RESP_SIZE));
      assertEquals(0x77, g.seg().get(ValueLayout.JAVA_BYTE,
          out - RAM + FakeV4l2Decoder.FRAME_SIZE - 1));

      UsedElement e = g.await(g.evt);
      assertEquals(EVENT_SIZE, e.len());
      assertEquals(EVENT_DECODER_RESOLUTION_CHANGED, g.u32(ev1));
      assertEquals(1, g.u32(ev1 + 4));
      assertNull(g.evt.awaitUsed(200), "one event, one buffer");
      assertEquals(0, g.u32(ev2));

      assertEquals(RESP_OK_NODATA, g.u32(g.call(new Req(STREAM_SIZE, CMD_STREAM_DRAIN, 1))));
      int last = g.send(queue(QUEUE_TYPE_OUTPUT, 21, 0, 0), 64);
      assertEquals(last, g.await(g.cmd).id());
      assertEquals(BUFFER_FLAG_EOS, g.u32(g.respOf.get(last) + RQ_RESP_FLAGS));

      assertEquals(RESP_OK_NODATA, g.u32(g.call(new Req(STREAM_SIZE, CMD_STREAM_DESTROY, 1))));
    }
    assertTrue(allClosedWithin(10_000), "every device the daemon opened is closed");
  }

  @Test
  void malformedCommandsGetErrorsAndTheNextGuestIsServed() throws Exception {
    try (GuestSession g = new GuestSession(sock)) {
      assertEquals(RESP_ERR_INVALID_OPERATION, g.u32(g.call(new Req(12, CMD_STREAM_CREATE, 1))));
      assertEquals(RESP_OK_NODATA, g.u32(g.call(new Req(STREAM_CREATE_SIZE, CMD_STREAM_CREATE, 1)
          .u32(SC_CODED_FORMAT, FORMAT_FWHT))));
      assertEquals(RESP_ERR_INVALID_PARAMETER, g.u32(g.call(
          new Req(RESOURCE_CREATE_SIZE, CMD_RESOURCE_CREATE, 1)
              .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT).u32(RC_NUM_PLANES, 9))));
      assertEquals(RESP_ERR_INVALID_STREAM_ID, g.u32(g.call(
          new Req(STREAM_SIZE, CMD_STREAM_DRAIN, 2))));
    }
    try (GuestSession g = new GuestSession(sock)) {
      assertEquals(RESP_OK_NODATA, g.u32(g.call(new Req(STREAM_CREATE_SIZE, CMD_STREAM_CREATE, 1)
          .u32(SC_CODED_FORMAT, FORMAT_FWHT))), "a new session starts without streams");
    }
  }

  @Test
  void aDisconnectClosesTheStreamDevices() throws Exception {
    // The core calls VirtioDevice.close() when a connection ends.
    try (GuestSession g = new GuestSession(sock)) {
      assertEquals(RESP_OK_NODATA, g.u32(g.call(new Req(STREAM_CREATE_SIZE, CMD_STREAM_CREATE, 1)
          .u32(SC_CODED_FORMAT, FORMAT_FWHT))));
      g.resource(QUEUE_TYPE_OUTPUT, 20, FakeV4l2Decoder.FRAME_SIZE);
      g.send(queue(QUEUE_TYPE_OUTPUT, 20, 0, 0), 64);
    }
    assertTrue(allClosedWithin(10_000), "the stream's device was closed with the connection");
  }
}
