// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.video.VideoProtocol.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Fuzz target (c) of docs/reliability.md for virtio-video: arbitrary chains into the command and
 * event queues of a decoder over the scripted backend, interleaved with backend reports (a record
 * with extra = 1 reports a resource done, extra = 2 one of the two defined events, their fields
 * taken from the record's bytes, so unknown streams and resources come from the host side too). Oracles ({@link FuzzRig}
 * plus): an answer is nothing or at least a header whose type is a defined response; every
 * command but RESOURCE_QUEUE and STREAM_DRAIN is answered in the pass that took it; after every
 * stream the guest created is destroyed, every command has been answered; then QUERY_CAPABILITY
 * and STREAM_CREATE still work. Normal runs replay {@code VideoFuzzTestInputs/requests/}; {@code
 * JAZZER_FUZZ=1} fuzzes.
 */
class VideoFuzzTest {
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("VideoFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    ScriptedBackend backend = new ScriptedBackend();
    VideoDevice device = new VideoDevice(backend);
    Set<Integer> streams = new TreeSet<>();
    try (FuzzRig rig = new FuzzRig(device, HDR_SIZE, 0, 2, 64, 0, 1)) {
      try {
        for (FuzzRig.Request r : FuzzRig.parse(input)) {
          ByteBuffer b = ByteBuffer.wrap(java.util.Arrays.copyOf(r.readable(), 24))
              .order(ByteOrder.LITTLE_ENDIAN);
          if (r.extra() == 1 || r.extra() == 2) {
            if (backend.sink != null) {
              if (r.extra() == 1) {
                backend.sink.resourceDone(b.getInt(0), b.getInt(4), b.getInt(8), b.getLong(12),
                    b.getInt(20) & 3, r.writable());
              } else {
                // A backend only reports the two event types the protocol defines.
                int type = (b.get(0) & 1) == 0 ? EVENT_ERROR : EVENT_DECODER_RESOLUTION_CHANGED;
                backend.sink.event(type, b.getInt(4));
              }
            }
            rig.runWoken();
            continue;
          }
          int queue = r.queue(2);
          if (rig.add(queue, r.readable(), r.writable(), r.splitReadable(), r.splitWritable())
              == null) {
            break;
          }
          REQUESTS.incrementAndGet();
          if (queue == COMMAND_QUEUE_INDEX && b.getInt(HDR_TYPE) == CMD_STREAM_CREATE) {
            streams.add(b.getInt(HDR_STREAM_ID));
          }
          if (r.kick()) {
            rig.kick(queue);
          }
        }
        rig.kick(VideoDevice.COMMAND_QUEUE);
        rig.kick(VideoDevice.EVENT_QUEUE);
        checkAnswers(rig);
        for (int id : streams) {
          rig.add(VideoDevice.COMMAND_QUEUE, header(CMD_STREAM_DESTROY, id, STREAM_SIZE), 64,
              false, false);
        }
        rig.kick(VideoDevice.COMMAND_QUEUE);
        checkAnswers(rig);
        assertEquals(0, rig.inFlight(VideoDevice.COMMAND_QUEUE),
            "with every stream destroyed, every command is answered");
        rig.rewind(VideoDevice.COMMAND_QUEUE);
        wellFormedCommandsStillWork(rig);
        rig.checkNoStrayWrites();
      } finally {
        device.queueStopped(VideoDevice.COMMAND_QUEUE);
        device.queueStopped(VideoDevice.EVENT_QUEUE);
        device.close();
      }
    }
  }

  private static final int COMMAND_QUEUE_INDEX = VideoDevice.COMMAND_QUEUE;

  private static byte[] header(int type, int stream, int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(stream)
        .array();
  }

  private static void checkAnswers(FuzzRig rig) throws Exception {
    for (FuzzRig.Done d : rig.collect()) {
      if (d.len() == 0) {
        continue;
      }
      assertTrue(d.len() >= HDR_SIZE, "an answer starts with a whole header");
      int type = ByteBuffer.wrap(rig.reply(d)).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
      if (d.chain().queue() == VideoDevice.EVENT_QUEUE) {
        assertTrue(type == EVENT_ERROR || type == EVENT_DECODER_RESOLUTION_CHANGED,
            "event type 0x" + Integer.toHexString(type));
      } else {
        assertTrue(type >= RESP_OK_NODATA && type <= RESP_ERR_UNSUPPORTED_CONTROL,
            "response type 0x" + Integer.toHexString(type));
      }
    }
  }

  private static void wellFormedCommandsStillWork(FuzzRig rig) throws Exception {
    byte[] caps = header(CMD_QUERY_CAPABILITY, 0, QUERY_CAPABILITY_SIZE);
    ByteBuffer.wrap(caps).order(ByteOrder.LITTLE_ENDIAN).putInt(REQ_QUEUE_TYPE, QUEUE_TYPE_INPUT);
    rig.add(VideoDevice.COMMAND_QUEUE, caps, 256, false, false);
    byte[] create = header(CMD_STREAM_CREATE, 77, STREAM_CREATE_SIZE);
    ByteBuffer.wrap(create).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(SC_IN_MEM_TYPE, MEM_TYPE_GUEST_PAGES).putInt(SC_OUT_MEM_TYPE, MEM_TYPE_GUEST_PAGES)
        .putInt(SC_CODED_FORMAT, FORMAT_H264);
    rig.add(VideoDevice.COMMAND_QUEUE, create, 64, false, false);
    rig.kick(VideoDevice.COMMAND_QUEUE);
    var done = rig.collect();
    assertEquals(2, done.size());
    assertEquals(RESP_OK_QUERY_CAPABILITY, u32(rig.reply(done.get(0))));
    assertEquals(RESP_OK_NODATA, u32(rig.reply(done.get(1))));
  }

  private static int u32(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
  }
}
