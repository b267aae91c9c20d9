// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.video.VideoProtocol.*;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.video.QueueHarness.Req;
import org.vhostdevice.device.video.QueueHarness.Sent;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The V4L2 decoder backend over the fake decoder, driven through the device's queues. */
class V4l2DecoderTest {
  private final FakeV4l2Decoder.Opener opener = new FakeV4l2Decoder.Opener();
  private V4l2Decoder backend;
  private QueueHarness h;

  @BeforeEach
  void setUp() throws Exception {
    backend = new V4l2Decoder(opener);
    h = new QueueHarness(backend);
    h.runCommands(); // starts the backend's poll thread
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  private int one(Req r) throws Exception {
    Sent s = h.send(r.bytes(), 256);
    List<UsedElement> used = h.runCommands();
    assertEquals(1, used.size());
    return h.u32(s.resp());
  }

  /** Runs command batches until {@code n} completions arrived (the poll thread is async). */
  private List<UsedElement> awaitCompletions(int n) throws Exception {
    List<UsedElement> got = new ArrayList<>();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (got.size() < n && System.nanoTime() < deadline) {
      got.addAll(h.runCommands());
      if (got.size() < n) {
        Thread.sleep(5);
      }
    }
    assertEquals(n, got.size(), "completions");
    return got;
  }

  private void createStream(int id, int memType) throws Exception {
    assertEquals(RESP_OK_NODATA, one(new Req(STREAM_CREATE_SIZE, CMD_STREAM_CREATE, id)
        .u32(SC_IN_MEM_TYPE, memType).u32(SC_OUT_MEM_TYPE, memType)
        .u32(SC_CODED_FORMAT, FORMAT_FWHT)));
  }

  private long resource(int stream, int qt, int id, int len) throws Exception {
    long buf = h.alloc(len);
    assertEquals(RESP_OK_NODATA, one(new Req(RESOURCE_CREATE_SIZE + MEM_ENTRY_SIZE,
        CMD_RESOURCE_CREATE, stream).u32(REQ_QUEUE_TYPE, qt).u32(RC_RESOURCE_ID, id)
        .u32(RC_NUM_PLANES, 1).u32(RC_NUM_ENTRIES, 1).u64(RESOURCE_CREATE_SIZE, buf)
        .u32(RESOURCE_CREATE_SIZE + 8, len)));
    return buf;
  }

  private static Req queue(int stream, int qt, int id, long ts, int size) {
    return new Req(RESOURCE_QUEUE_SIZE, CMD_RESOURCE_QUEUE, stream).u32(REQ_QUEUE_TYPE, qt)
        .u32(RQ_RESOURCE_ID, id).u64(RQ_TIMESTAMP, ts).u32(RQ_NUM_DATA_SIZES, 1)
        .u32(RQ_DATA_SIZES, size);
  }

  @Test
  void capabilitiesListTheDecoderFormats() throws Exception {
    Sent s = h.send(new Req(QUERY_CAPABILITY_SIZE, CMD_QUERY_CAPABILITY, 0)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_OUTPUT).bytes(), 512);
    h.runCommands();
    long d = s.resp() + CAPS_HEADER_SIZE;
    assertEquals(RESP_OK_QUERY_CAPABILITY, h.u32(s.resp()));
    assertEquals(1, h.u32(s.resp() + CAPS_NUM_DESCS));
    assertEquals(1L, h.u64(d), "pairs with the one input format");
    assertEquals(FORMAT_NV12, h.u32(d + 8));
    assertEquals(1, h.u32(d + 20));
    long f = d + FORMAT_DESC_SIZE;
    assertEquals(FakeV4l2Decoder.WIDTH, h.u32(f + 4));
    assertEquals(FakeV4l2Decoder.HEIGHT, h.u32(f + 16 + 4));
    assertEquals(1, h.u32(f + 32), "one frame rate");
    assertEquals(1, h.u32(f + 40), "1/1 interval: 1 fps");
    assertEquals(1, h.u32(f + 44));
    assertTrue(opener.opened.get(0).closed, "the query's device is closed again");
  }

  @Test
  void decodesAFrameWithResolutionChangeAndDrains() throws Exception {
    createStream(1, MEM_TYPE_GUEST_PAGES);
    long in = resource(1, QUEUE_TYPE_INPUT, 10, 4096);
    long out = resource(1, QUEUE_TYPE_OUTPUT, 20, FakeV4l2Decoder.FRAME_SIZE);
    long out2 = resource(1, QUEUE_TYPE_OUTPUT, 21, FakeV4l2Decoder.FRAME_SIZE);
    h.ram.set(ValueLayout.JAVA_BYTE, in - QueueHarness.RAM, (byte) 0x5a);
    long evt = h.postEventBuffer(8);

    Sent qin = h.send(queue(1, QUEUE_TYPE_INPUT, 10, 42_000, 100).bytes(), 64);
    Sent qout = h.send(queue(1, QUEUE_TYPE_OUTPUT, 20, 0, 0).bytes(), 64);
    List<UsedElement> done = awaitCompletions(2);
    assertTrue(done.stream().anyMatch(e -> e.id() == qin.head()));
    assertEquals(RESP_OK_RESOURCE_QUEUE, h.u32(qout.resp()));
    assertEquals(42_000L, h.u64(qout.resp() + RQ_RESP_TIMESTAMP));
    assertEquals(FakeV4l2Decoder.FRAME_SIZE, h.u32(qout.resp() + RQ_RESP_SIZE));
    assertEquals(4, h.u32(qout.resp() + RQ_RESP_FLAGS), "key frame");
    assertEquals(0x5a, h.ram.get(ValueLayout.JAVA_BYTE, out - QueueHarness.RAM + 100));

    assertEquals(1, h.runEvents().size());
    assertEquals(EVENT_DECODER_RESOLUTION_CHANGED, h.u32(evt));
    assertEquals(1, h.u32(evt + 4));

    assertEquals(RESP_OK_NODATA, one(new Req(STREAM_SIZE, CMD_STREAM_DRAIN, 1)));
    Sent last = h.send(queue(1, QUEUE_TYPE_OUTPUT, 21, 0, 0).bytes(), 64);
    awaitCompletions(1);
    assertEquals(BUFFER_FLAG_EOS, h.u32(last.resp() + RQ_RESP_FLAGS));
    assertEquals(0, h.ram.get(ValueLayout.JAVA_BYTE, out2 - QueueHarness.RAM));
    FakeV4l2Decoder dev = opener.opened.get(0);
    assertTrue(dev.ioctls.contains("REQBUFS 10 1"));
    assertTrue(dev.ioctls.contains("REQBUFS 9 2"));
    assertTrue(dev.ioctls.contains("SUBSCRIBE 5"));

    assertEquals(RESP_OK_NODATA, one(new Req(STREAM_SIZE, CMD_STREAM_DESTROY, 1)));
    assertTrue(dev.closed);
  }

  @Test
  void dataSizeCountMustMatchThePlanes() throws Exception {
    createStream(1, MEM_TYPE_GUEST_PAGES);
    resource(1, QUEUE_TYPE_INPUT, 10, 4096);
    assertEquals(RESP_ERR_INVALID_PARAMETER,
        one(queue(1, QUEUE_TYPE_INPUT, 10, 0, 1).u32(RQ_NUM_DATA_SIZES, 2)));
  }

  @Test
  void virtioObjectsAreRefusedAtQueueTime() throws Exception {
    createStream(1, MEM_TYPE_VIRTIO_OBJECT);
    resource(1, QUEUE_TYPE_INPUT, 10, 4096);
    assertEquals(RESP_ERR_INVALID_OPERATION, one(queue(1, QUEUE_TYPE_INPUT, 10, 0, 1)));
  }

  @Test
  void unknownStreamIsAnInvalidStreamId() throws Exception {
    assertEquals(RESP_ERR_INVALID_STREAM_ID, one(new Req(GET_PARAMS_SIZE, CMD_GET_PARAMS_EXT, 9)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT)));
  }

  @Test
  void deviceThatIsNotAnM2mDecoderIsRefused() throws Exception {
    opener.caps = V4l2.CAP_STREAMING;
    assertEquals(RESP_ERR_INVALID_OPERATION, one(new Req(STREAM_CREATE_SIZE, CMD_STREAM_CREATE, 1)
        .u32(SC_CODED_FORMAT, FORMAT_FWHT)));
    assertTrue(opener.opened.get(0).closed);
  }

  @Test
  void paramsComeFromGetFormatAndSelection() throws Exception {
    createStream(1, MEM_TYPE_GUEST_PAGES);
    Sent s = h.send(new Req(GET_PARAMS_SIZE, CMD_GET_PARAMS_EXT, 1)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_OUTPUT).bytes(), 256);
    h.runCommands();
    long p = s.resp() + HDR_SIZE;
    assertEquals(RESP_OK_GET_PARAMS, h.u32(s.resp()));
    assertEquals(FORMAT_NV12, h.u32(p + Params.FORMAT));
    assertEquals(FakeV4l2Decoder.WIDTH, h.u32(p + Params.FRAME_WIDTH));
    assertEquals(FakeV4l2Decoder.WIDTH, h.u32(p + Params.PLANE_FORMATS + 4));
    assertEquals(FakeV4l2Decoder.HEIGHT, h.u32(p + Params.CROP_HEIGHT));
    assertEquals(1, h.u32(p + Params.NUM_PLANES));
  }

  @Test
  void setParamsWithAFormatV4l2LacksIsAnInvalidParameter() throws Exception {
    createStream(1, MEM_TYPE_GUEST_PAGES);
    assertEquals(RESP_ERR_INVALID_PARAMETER, one(new Req(SET_PARAMS_SIZE, CMD_SET_PARAMS_EXT, 1)
        .u32(HDR_SIZE + Params.QUEUE_TYPE, QUEUE_TYPE_INPUT)
        .u32(HDR_SIZE + Params.FORMAT, FORMAT_BGRA8888)));
    assertEquals(RESP_OK_NODATA, one(new Req(SET_PARAMS_SIZE, CMD_SET_PARAMS_EXT, 1)
        .u32(HDR_SIZE + Params.QUEUE_TYPE, QUEUE_TYPE_INPUT)
        .u32(HDR_SIZE + Params.FORMAT, FORMAT_FWHT).u32(HDR_SIZE + Params.NUM_PLANES, 1)));
    assertTrue(opener.opened.get(0).ioctls.contains("S_FMT 10"));
  }

  @Test
  void queryControlReturnsTheDefaultOrUnsupported() throws Exception {
    Sent s = h.send(new Req(QUERY_CONTROL_SIZE, CMD_QUERY_CONTROL, 0).u32(QC_CONTROL, 1)
        .bytes(), 64);
    h.runCommands();
    assertEquals(1_000_000, h.u32(s.resp() + QCR_VALUE));
    assertEquals(RESP_ERR_UNSUPPORTED_CONTROL,
        one(new Req(QUERY_CONTROL_SIZE, CMD_QUERY_CONTROL, 0).u32(QC_CONTROL, 2)));
  }

  @Test
  void queueClearStopsStreamingAndAnswersWaitingBuffers() throws Exception {
    createStream(1, MEM_TYPE_GUEST_PAGES);
    resource(1, QUEUE_TYPE_OUTPUT, 20, FakeV4l2Decoder.FRAME_SIZE);
    Sent q = h.send(queue(1, QUEUE_TYPE_OUTPUT, 20, 0, 0).bytes(), 64);
    assertEquals(0, h.runCommands().size());
    Sent clear = h.send(new Req(QUEUE_TYPE_CMD_SIZE, CMD_QUEUE_CLEAR, 1)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_OUTPUT).bytes(), 64);
    assertEquals(2, h.runCommands().size());
    assertEquals(RESP_OK_NODATA, h.u32(clear.resp()));
    assertEquals(BUFFER_FLAG_ERR, h.u32(q.resp() + RQ_RESP_FLAGS));
    assertTrue(opener.opened.get(0).ioctls.contains("STREAMOFF 9"));
  }

  @Test
  void closingTheDeviceClosesStreamsAndStopsPolling() throws Exception {
    createStream(1, MEM_TYPE_GUEST_PAGES);
    FakeV4l2Decoder dev = opener.opened.get(0);
    assertFalse(dev.closed);
    h.device.close();
    assertTrue(dev.closed);
    assertTrue(Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("video-v4l2-poll") && t.isAlive()));
  }
}
