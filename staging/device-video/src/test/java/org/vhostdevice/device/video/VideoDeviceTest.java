// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.video.VideoProtocol.*;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vhostdevice.device.video.QueueHarness.Req;
import org.vhostdevice.device.video.QueueHarness.Sent;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The command and event queues over fake guest memory, with the null and a scripted backend. */
class VideoDeviceTest {
  private QueueHarness h;

  private QueueHarness with(VideoBackend backend) throws Exception {
    h = new QueueHarness(backend);
    return h;
  }

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.close();
    }
  }

  private Sent send(Req r, int respLen) {
    return h.send(r.bytes(), respLen);
  }

  /** Sends one command, runs a batch, checks it completed, returns the response type. */
  private int one(Req r) throws Exception {
    Sent s = send(r, 256);
    List<UsedElement> used = h.runCommands();
    assertEquals(1, used.size());
    assertEquals(s.head(), used.get(0).id());
    return h.u32(s.resp());
  }

  private static Req createStream(int id) {
    return new Req(STREAM_CREATE_SIZE, CMD_STREAM_CREATE, id)
        .u32(SC_IN_MEM_TYPE, MEM_TYPE_GUEST_PAGES).u32(SC_OUT_MEM_TYPE, MEM_TYPE_GUEST_PAGES)
        .u32(SC_CODED_FORMAT, FORMAT_H264);
  }

  private Req createResource(int stream, int queueType, int id, long addr, int len) {
    return new Req(RESOURCE_CREATE_SIZE + MEM_ENTRY_SIZE, CMD_RESOURCE_CREATE, stream)
        .u32(REQ_QUEUE_TYPE, queueType).u32(RC_RESOURCE_ID, id).u32(RC_NUM_PLANES, 1)
        .u32(RC_NUM_ENTRIES, 1).u64(RESOURCE_CREATE_SIZE, addr).u32(RESOURCE_CREATE_SIZE + 8, len);
  }

  private static Req queueResource(int stream, int queueType, int id, long ts) {
    return new Req(RESOURCE_QUEUE_SIZE, CMD_RESOURCE_QUEUE, stream).u32(REQ_QUEUE_TYPE, queueType)
        .u32(RQ_RESOURCE_ID, id).u64(RQ_TIMESTAMP, ts).u32(RQ_NUM_DATA_SIZES, 1)
        .u32(RQ_DATA_SIZES, 100);
  }

  @Test
  void identityMatchesTheProposalNumbering() throws Exception {
    VideoDevice d = with(new NullBackend()).device;
    assertEquals(31, d.deviceType());
    assertEquals(2, d.numQueues());
    assertEquals(1024, d.maxQueueSize(0));
    assertEquals(1024, d.maxQueueSize(1));
    long f = d.features();
    assertTrue((f & 1) != 0, "RESOURCE_GUEST_PAGES");
    assertTrue((f & VirtioFeatures.VERSION_1) != 0);
    assertTrue((f & VirtioFeatures.NOTIFY_ON_EMPTY) != 0);
    assertTrue((f & VirtioFeatures.RING_EVENT_IDX) != 0);
    assertTrue((f & VirtioFeatures.RING_INDIRECT_DESC) != 0);
  }

  @Test
  void configIs44BytesWithVersionZeroAndLimits() throws Exception {
    VideoDevice d = with(new NullBackend()).device;
    assertEquals(44, d.configSize());
    byte[] c = new byte[44];
    d.readConfig(0, c);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(c).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    assertEquals(0, b.getInt(0));
    assertEquals(4096, b.getInt(4));
    assertEquals(4096, b.getInt(8));
    assertArrayEquals(new byte[32], java.util.Arrays.copyOfRange(c, 12, 44));
    byte[] past = {1, 1};
    d.readConfig(44, past);
    assertArrayEquals(new byte[2], past);
  }

  @Test
  void nullBackendReportsNoFormats() throws Exception {
    with(new NullBackend());
    Sent s = send(new Req(QUERY_CAPABILITY_SIZE, CMD_QUERY_CAPABILITY, 0)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT), 64);
    UsedElement e = h.runCommands().get(0);
    assertEquals(RESP_OK_QUERY_CAPABILITY, h.u32(s.resp()));
    assertEquals(0, h.u32(s.resp() + 8));
    assertEquals(CAPS_HEADER_SIZE, e.len());
  }

  @ParameterizedTest(name = "command 0x{0} with {1} bytes")
  @CsvSource({"100,15", "100,17", "101,87", "102,9", "103,7", "105,63", "106,8", "107,20",
      "10A,16", "10B,8", "10D,17", "10E,127", "104,87"})
  void wrongRequestSizeIsAnInvalidOperation(String type, int size) throws Exception {
    with(new NullBackend());
    assertEquals(OK_AFTER_CREATE, one(createStream(1)));
    assertEquals(RESP_ERR_INVALID_OPERATION, one(new Req(size, Integer.parseInt(type, 16), 1)));
  }

  private static final int OK_AFTER_CREATE = RESP_OK_NODATA;

  @Test
  void unhandledCommandTypesAreInvalidOperations() throws Exception {
    with(new NullBackend());
    for (int type : new int[] {0x108, 0x109, 0x10C, 0, 0x300}) {
      assertEquals(RESP_ERR_INVALID_OPERATION, one(new Req(16, type, 0)));
    }
  }

  @Test
  void requestShorterThanAHeaderIsAnInvalidOperation() throws Exception {
    with(new NullBackend());
    assertEquals(RESP_ERR_INVALID_OPERATION, one(new Req(4, 0, 0)));
  }

  @Test
  void invalidEnumsAreInvalidOperations() throws Exception {
    with(new NullBackend());
    assertEquals(RESP_ERR_INVALID_OPERATION, one(createStream(1).u32(SC_CODED_FORMAT, 0x2000)));
    assertEquals(RESP_ERR_INVALID_OPERATION, one(createStream(1).u32(SC_IN_MEM_TYPE, 2)));
    assertEquals(RESP_ERR_INVALID_OPERATION, one(new Req(QUERY_CAPABILITY_SIZE,
        CMD_QUERY_CAPABILITY, 0).u32(REQ_QUEUE_TYPE, 0x102)));
    assertEquals(RESP_ERR_INVALID_OPERATION, one(new Req(QUERY_CONTROL_SIZE, CMD_QUERY_CONTROL, 0)
        .u32(QC_CONTROL, 8)));
  }

  @Test
  void streamLifecycleWithTheNullBackend() throws Exception {
    with(new NullBackend());
    assertEquals(RESP_OK_NODATA, one(createStream(7)));
    assertEquals(RESP_ERR_INVALID_STREAM_ID, one(createStream(7)));
    assertEquals(1, h.device.streamCount());
    assertEquals(RESP_OK_NODATA, one(new Req(STREAM_SIZE, CMD_STREAM_DRAIN, 7)));
    assertEquals(RESP_OK_NODATA, one(new Req(STREAM_SIZE, CMD_STREAM_DESTROY, 7)));
    assertEquals(0, h.device.streamCount());
    assertEquals(RESP_ERR_INVALID_STREAM_ID, one(new Req(STREAM_SIZE, CMD_STREAM_DESTROY, 7)));
  }

  @Test
  void nullBackendRefusesQueueAndParamsButAnswersControls() throws Exception {
    with(new NullBackend());
    one(createStream(1));
    long buf = h.alloc(4096);
    assertEquals(RESP_OK_NODATA, one(createResource(1, QUEUE_TYPE_INPUT, 5, buf, 4096)));
    assertEquals(RESP_ERR_INVALID_OPERATION, one(queueResource(1, QUEUE_TYPE_INPUT, 5, 0)));
    assertEquals(RESP_ERR_INVALID_OPERATION, one(new Req(GET_PARAMS_SIZE, CMD_GET_PARAMS_EXT, 1)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT)));
    Sent s = send(new Req(QUERY_CONTROL_SIZE, CMD_QUERY_CONTROL, 0).u32(QC_CONTROL, 2), 64);
    assertEquals(QUERY_CONTROL_RESP_SIZE, h.runCommands().get(0).len());
    assertEquals(RESP_OK_QUERY_CONTROL, h.u32(s.resp()));
    assertEquals(0, h.u32(s.resp() + QCR_VALUE));
    assertEquals(RESP_ERR_UNSUPPORTED_CONTROL, one(new Req(GET_CONTROL_SIZE, CMD_GET_CONTROL, 0)));
    assertEquals(RESP_OK_NODATA, one(new Req(QUEUE_TYPE_CMD_SIZE, CMD_QUEUE_CLEAR, 1)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT)));
    assertEquals(RESP_OK_NODATA, one(new Req(QUEUE_TYPE_CMD_SIZE, CMD_RESOURCE_DESTROY_ALL, 1)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT)));
  }

  @Test
  void moreThanEightPlanesIsAnInvalidParameterNotACrash() throws Exception {
    with(new NullBackend());
    one(createStream(1));
    long buf = h.alloc(4096);
    assertEquals(RESP_ERR_INVALID_PARAMETER,
        one(createResource(1, QUEUE_TYPE_INPUT, 5, buf, 4096).u32(RC_NUM_PLANES, 9)));
    assertEquals(RESP_ERR_INVALID_PARAMETER, one(new Req(SET_PARAMS_SIZE, CMD_SET_PARAMS_EXT, 1)
        .u32(HDR_SIZE + Params.QUEUE_TYPE, QUEUE_TYPE_INPUT)
        .u32(HDR_SIZE + Params.NUM_PLANES, 9)));
    assertEquals(RESP_OK_NODATA, one(createResource(1, QUEUE_TYPE_INPUT, 5, buf, 4096)));
  }

  @Test
  void resourceOutsideGuestMemoryIsAnInvalidParameter() throws Exception {
    with(new NullBackend());
    one(createStream(1));
    assertEquals(RESP_ERR_INVALID_PARAMETER,
        one(createResource(1, QUEUE_TYPE_INPUT, 5, 0x1000, 4096)));
  }

  @Test
  void resourceCommandsNeedAKnownStreamAndResource() throws Exception {
    with(new NullBackend());
    assertEquals(RESP_ERR_INVALID_STREAM_ID,
        one(createResource(3, QUEUE_TYPE_INPUT, 5, h.alloc(64), 64)));
    one(createStream(3));
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, one(queueResource(3, QUEUE_TYPE_INPUT, 9, 0)));
  }

  @Test
  void responseBufferWithoutRoomForAHeaderIsReturnedUnused() throws Exception {
    with(new NullBackend());
    Sent s = h.send(createStream(1).bytes(), 4);
    UsedElement e = h.runCommands().get(0);
    assertEquals(s.head(), e.id());
    assertEquals(0, e.len());
    assertEquals(RESP_OK_NODATA, one(createStream(2)));
  }

  @Test
  void capabilitiesAreEncodedAtTheProposalOffsets() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    b.formats = List.of(new FormatDesc(0b1, FORMAT_NV12, 1, 1, List.of(new FormatDesc.Frame(
        new FormatDesc.Range(16, 1920, 2), new FormatDesc.Range(16, 1080, 2),
        List.of(new FormatDesc.Range(1, 60, 1))))));
    with(b);
    Sent s = send(new Req(QUERY_CAPABILITY_SIZE, CMD_QUERY_CAPABILITY, 0)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_OUTPUT), 512);
    UsedElement e = h.runCommands().get(0);
    long d = s.resp() + CAPS_HEADER_SIZE;
    assertEquals(CAPS_HEADER_SIZE + FORMAT_DESC_SIZE + FORMAT_FRAME_SIZE + FORMAT_RANGE_SIZE,
        e.len());
    assertEquals(1, h.u32(s.resp() + CAPS_NUM_DESCS));
    assertEquals(1L, h.u64(d));
    assertEquals(FORMAT_NV12, h.u32(d + 8));
    assertEquals(1, h.u32(d + 20));
    long f = d + FORMAT_DESC_SIZE;
    assertEquals(16, h.u32(f));
    assertEquals(1920, h.u32(f + 4));
    assertEquals(2, h.u32(f + 8));
    assertEquals(1080, h.u32(f + 20));
    assertEquals(1, h.u32(f + 32));
    assertEquals(60, h.u32(f + 40 + 4));
  }

  @Test
  void capabilitiesTooLargeForTheResponseBufferAreAnError() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    b.formats = List.of(new FormatDesc(1, FORMAT_NV12, 1, 1, List.of()));
    with(b);
    Sent s = send(new Req(QUERY_CAPABILITY_SIZE, CMD_QUERY_CAPABILITY, 0)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_OUTPUT), 16);
    assertEquals(HDR_SIZE, h.runCommands().get(0).len());
    assertEquals(RESP_ERR_INVALID_OPERATION, h.u32(s.resp()));
  }

  @Test
  void chainsAfterAnAsynchronousQueueInTheSameBatchAreServed() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    with(b);
    one(createStream(1));
    one(createResource(1, QUEUE_TYPE_INPUT, 5, h.alloc(4096), 4096));
    Sent q = send(queueResource(1, QUEUE_TYPE_INPUT, 5, 1234), 64);
    Sent after = send(new Req(STREAM_SIZE, CMD_STREAM_DRAIN, 1), 64);
    List<UsedElement> used = h.runCommands();
    assertEquals(1, used.size(), "the drain is answered, the queue waits");
    assertEquals(after.head(), used.get(0).id());
    assertEquals(RESP_OK_NODATA, h.u32(after.resp()));
    assertEquals(1, h.device.pendingCount());

    int wakes = h.cmdWakes.get();
    b.sink.resourceDone(1, QUEUE_TYPE_INPUT, 5, 1234, BUFFER_FLAG_EOS, 100);
    assertTrue(h.cmdWakes.get() > wakes, "the backend's completion wakes the command queue");
    used = h.runCommands();
    assertEquals(1, used.size());
    assertEquals(q.head(), used.get(0).id());
    assertEquals(RESOURCE_QUEUE_RESP_SIZE, used.get(0).len());
    assertEquals(RESP_OK_RESOURCE_QUEUE, h.u32(q.resp()));
    assertEquals(1234L, h.u64(q.resp() + RQ_RESP_TIMESTAMP));
    assertEquals(BUFFER_FLAG_EOS, h.u32(q.resp() + RQ_RESP_FLAGS));
    assertEquals(100, h.u32(q.resp() + RQ_RESP_SIZE));
    assertEquals(0, h.device.pendingCount());
  }

  @Test
  void aResourceAlreadyQueuedIsRefused() throws Exception {
    with(new ScriptedBackend());
    one(createStream(1));
    one(createResource(1, QUEUE_TYPE_INPUT, 5, h.alloc(4096), 4096));
    send(queueResource(1, QUEUE_TYPE_INPUT, 5, 1), 64);
    assertEquals(0, h.runCommands().size());
    assertEquals(RESP_ERR_INVALID_PARAMETER, one(queueResource(1, QUEUE_TYPE_INPUT, 5, 2)));
  }

  @Test
  void queueClearAnswersWaitingBuffersWithErr() throws Exception {
    with(new ScriptedBackend());
    one(createStream(1));
    one(createResource(1, QUEUE_TYPE_OUTPUT, 5, h.alloc(4096), 4096));
    Sent q = send(queueResource(1, QUEUE_TYPE_OUTPUT, 5, 1), 64);
    Sent clear = send(new Req(QUEUE_TYPE_CMD_SIZE, CMD_QUEUE_CLEAR, 1)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_OUTPUT), 64);
    List<UsedElement> used = h.runCommands();
    assertEquals(List.of(q.head(), clear.head()), used.stream().map(UsedElement::id).toList());
    assertEquals(BUFFER_FLAG_ERR, h.u32(q.resp() + RQ_RESP_FLAGS));
    assertEquals(RESP_OK_NODATA, h.u32(clear.resp()));
  }

  @Test
  void streamDestroyAnswersWaitingBuffers() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    with(b);
    one(createStream(1));
    one(createResource(1, QUEUE_TYPE_INPUT, 5, h.alloc(4096), 4096));
    Sent q = send(queueResource(1, QUEUE_TYPE_INPUT, 5, 1), 64);
    send(new Req(STREAM_SIZE, CMD_STREAM_DESTROY, 1), 64);
    assertEquals(2, h.runCommands().size());
    assertEquals(BUFFER_FLAG_ERR, h.u32(q.resp() + RQ_RESP_FLAGS));
    assertEquals(0, h.device.pendingCount());
    assertTrue(b.calls.contains("destroy 1"));
  }

  @Test
  void lateCompletionForAClearedBufferIsIgnored() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    with(b);
    one(createStream(1));
    one(createResource(1, QUEUE_TYPE_INPUT, 5, h.alloc(4096), 4096));
    send(queueResource(1, QUEUE_TYPE_INPUT, 5, 1), 64);
    send(new Req(QUEUE_TYPE_CMD_SIZE, CMD_QUEUE_CLEAR, 1).u32(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT),
        64);
    assertEquals(2, h.runCommands().size());
    b.sink.resourceDone(1, QUEUE_TYPE_INPUT, 5, 1, 0, 10);
    assertEquals(0, h.runCommands().size());
  }

  @Test
  void getAndSetParamsRoundTrip() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    with(b);
    one(createStream(1));
    assertEquals(RESP_OK_NODATA, one(new Req(SET_PARAMS_SIZE, CMD_SET_PARAMS_EXT, 1)
        .u32(HDR_SIZE + Params.QUEUE_TYPE, QUEUE_TYPE_OUTPUT)
        .u32(HDR_SIZE + Params.FORMAT, FORMAT_NV12).u32(HDR_SIZE + Params.FRAME_WIDTH, 640)
        .u32(HDR_SIZE + Params.FRAME_HEIGHT, 480).u32(HDR_SIZE + Params.NUM_PLANES, 1)
        .u32(HDR_SIZE + Params.PLANE_FORMATS + 4, 640)));
    assertEquals(640, b.params.stride[0]);
    Sent s = send(new Req(GET_PARAMS_SIZE, CMD_GET_PARAMS_EXT, 1)
        .u32(REQ_QUEUE_TYPE, QUEUE_TYPE_OUTPUT), 256);
    assertEquals(HDR_SIZE + Params.SIZE, h.runCommands().get(0).len());
    assertEquals(RESP_OK_GET_PARAMS, h.u32(s.resp()));
    assertEquals(FORMAT_NV12, h.u32(s.resp() + HDR_SIZE + Params.FORMAT));
    assertEquals(480, h.u32(s.resp() + HDR_SIZE + Params.FRAME_HEIGHT));
    assertEquals(640, h.u32(s.resp() + HDR_SIZE + Params.PLANE_FORMATS + 4));
  }

  @Test
  void oneEventBufferIsUsedPerEvent() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    with(b);
    h.runCommands();
    long[] bufs = {h.postEventBuffer(8), h.postEventBuffer(8), h.postEventBuffer(8)};
    b.sink.event(EVENT_DECODER_RESOLUTION_CHANGED, 4);
    assertTrue(h.evtWakes.get() > 0);
    List<UsedElement> used = h.runEvents();
    assertEquals(1, used.size());
    assertEquals(EVENT_SIZE, used.get(0).len());
    assertEquals(EVENT_DECODER_RESOLUTION_CHANGED, h.u32(bufs[0]));
    assertEquals(4, h.u32(bufs[0] + 4));
    b.sink.event(EVENT_ERROR, 4);
    b.sink.event(EVENT_ERROR, 5);
    assertEquals(2, h.runEvents().size());
    assertEquals(5, h.u32(bufs[2] + 4));
  }

  @Test
  void eventsWaitForGuestBuffers() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    with(b);
    h.runCommands();
    b.sink.event(EVENT_ERROR, 9);
    assertEquals(0, h.runEvents().size());
    long buf = h.postEventBuffer(16);
    assertEquals(1, h.runEvents().size());
    assertEquals(EVENT_ERROR, h.u32(buf));
    assertEquals(9, h.u32(buf + 4));
  }

  @Test
  void resetDestroysStreamsAndCloseClosesTheBackend() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    with(b);
    one(createStream(1));
    h.device.reset();
    assertEquals(0, h.device.streamCount());
    assertTrue(b.calls.contains("destroy 1"));
    h.close();
    h = null;
    assertTrue(b.closed);
  }

  @Test
  void aBackendBugFailsTheRequestNotTheQueue() throws Exception {
    ScriptedBackend b = new ScriptedBackend();
    with(b);
    one(createStream(1));
    b.drainThrows = true;
    assertEquals(RESP_ERR_INVALID_OPERATION, one(new Req(STREAM_SIZE, CMD_STREAM_DRAIN, 1)));
    b.drainThrows = false;
    assertEquals(RESP_OK_NODATA, one(new Req(STREAM_SIZE, CMD_STREAM_DRAIN, 1)));
  }
}
