// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.gpu.VirtioGpu.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.gpu.GpuHarness.Cmd;
import org.vhostdevice.device.gpu.GpuHarness.Reply;
import org.vhostdevice.vhostuser.testing.FuzzRig;

/**
 * Random, mostly invalid requests: each is answered with a status and the device keeps going.
 *
 * <p>{@link #requests} is fuzz target (c) of docs/reliability.md: coverage-guided (Jazzer), it
 * feeds arbitrary chains into the control and cursor queues of a 2D device with a recording
 * display. Oracles ({@link FuzzRig} plus): every request is answered in the pass that took it,
 * with nothing or a response of at least a control header whose type is a defined response;
 * afterwards GET_DISPLAY_INFO still works. Normal runs replay {@code
 * GpuFuzzTestInputs/requests/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class GpuFuzzTest {
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong REQUESTS = new AtomicLong();

  @AfterAll
  static void report() {
    System.out.printf("GpuFuzzTest: %d inputs, %d requests%n", INPUTS.get(), REQUESTS.get());
  }

  @FuzzTest(maxDuration = "10m")
  void requests(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    GpuDevice device = new GpuDevice(
        GpuConfig.of(GpuMode.TWO_D, null, true, false, true, true, 1_000_000_000L), null);
    device.useDisplayForTest(new RecordingDisplay());
    try (FuzzRig rig = new FuzzRig(device, HDR_SIZE, HDR_SIZE, 2, 64, 0, 1)) {
      try {
        for (FuzzRig.Request r : FuzzRig.parse(input)) {
          int queue = r.queue(2);
          if (rig.add(queue, r.readable(), r.writable(), r.splitReadable(), r.splitWritable())
              == null) {
            break;
          }
          REQUESTS.incrementAndGet();
          if (r.kick()) {
            rig.kick(queue);
          }
        }
        rig.kick(CONTROL_QUEUE);
        rig.kick(CURSOR_QUEUE);
        for (FuzzRig.Done d : rig.collect()) {
          if (d.len() > 0) {
            assertTrue(d.len() >= HDR_SIZE, "a response starts with a whole header");
            int type = ByteBuffer.wrap(rig.reply(d)).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            assertTrue(type >= RESP_OK_NODATA && type <= RESP_OK_EDID
                || type >= RESP_ERR_UNSPEC && type <= RESP_ERR_INVALID_PARAMETER,
                "response type 0x" + Integer.toHexString(type));
          }
        }
        assertEquals(0, rig.inFlight(CONTROL_QUEUE), "every control request is answered");
        assertEquals(0, rig.inFlight(CURSOR_QUEUE), "every cursor request is answered");
        rig.rewind(CONTROL_QUEUE);
        rig.add(CONTROL_QUEUE, new Cmd(CMD_GET_DISPLAY_INFO).bytes(), DISPLAY_INFO_SIZE, false,
            false);
        rig.kick(CONTROL_QUEUE);
        var info = rig.collect();
        assertEquals(1, info.size());
        assertEquals(DISPLAY_INFO_SIZE, info.getFirst().len());
        assertEquals(RESP_OK_DISPLAY_INFO, ByteBuffer.wrap(rig.reply(info.getFirst()))
            .order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        rig.checkNoStrayWrites();
      } finally {
        device.queueStopped(CONTROL_QUEUE);
        device.queueStopped(CURSOR_QUEUE);
      }
    }
  }
  private static final int[] TYPES = {CMD_GET_DISPLAY_INFO, CMD_RESOURCE_CREATE_2D,
      CMD_RESOURCE_UNREF, CMD_SET_SCANOUT, CMD_RESOURCE_FLUSH, CMD_TRANSFER_TO_HOST_2D,
      CMD_RESOURCE_ATTACH_BACKING, CMD_RESOURCE_DETACH_BACKING, CMD_GET_CAPSET_INFO,
      CMD_GET_CAPSET, CMD_GET_EDID, CMD_RESOURCE_ASSIGN_UUID, CMD_RESOURCE_CREATE_BLOB,
      CMD_SET_SCANOUT_BLOB, CMD_CTX_CREATE, CMD_SUBMIT_3D, CMD_UPDATE_CURSOR, CMD_MOVE_CURSOR,
      0, -1};

  /** Small ids, sizes and offsets most of the time, so that some requests get far. */
  private static int field(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> r.nextInt();
      case 1 -> -1;
      case 2 -> r.nextInt(4);
      case 3 -> 64;
      default -> r.nextInt(300);
    };
  }

  @Test
  void tenThousandRandomRequestsAreAllAnsweredAndTheDeviceStillWorks() throws Exception {
    try (GpuHarness h = new GpuHarness(GpuMode.TWO_D)) {
      fuzz(h, new Random(12), TYPES, 10_000);
    }
  }

  private static final int[] TYPES_3D = {CMD_CTX_CREATE, CMD_CTX_DESTROY,
      CMD_CTX_ATTACH_RESOURCE, CMD_CTX_DETACH_RESOURCE, CMD_RESOURCE_CREATE_3D,
      CMD_TRANSFER_TO_HOST_3D, CMD_TRANSFER_FROM_HOST_3D, CMD_SUBMIT_3D, CMD_RESOURCE_CREATE_2D,
      CMD_RESOURCE_ATTACH_BACKING, CMD_SET_SCANOUT, CMD_RESOURCE_FLUSH, CMD_GET_CAPSET,
      CMD_GET_CAPSET_INFO, CMD_UPDATE_CURSOR, CMD_RESOURCE_UNREF};

  @Test
  void randomRequestsInTheVirglrendererModeAreAllAnswered() throws Exception {
    VirglRenderer r = VirglAvailability.renderer();
    org.junit.jupiter.api.Assumptions.assumeTrue(r != null,
        "skipping: " + VirglAvailability.reason());
    try (GpuHarness h = new GpuHarness(GpuMode.VIRGLRENDERER, r)) {
      try {
        fuzz(h, new Random(34), TYPES_3D, 3000);
      } finally {
        h.device.reset();
      }
    }
  }

  /** A plausible value most of the time, anything now and then. */
  private static int v(Random r, int plausible) {
    return r.nextInt(6) == 0 ? field(r) : plausible;
  }

  /** The body of {@code type} with fields that are mostly right: ids from a small pool etc. */
  private static void body(Cmd c, int type, Random r) {
    int id = 1 + r.nextInt(6);
    int w = 1 + r.nextInt(80);
    int h = 1 + r.nextInt(80);
    long backing = GpuHarness.R0 + 0x20_0000 + r.nextInt(64) * 0x1_0000L;
    switch (type) {
      case CMD_RESOURCE_CREATE_2D -> c.u32(v(r, id), v(r, 2), v(r, w), v(r, h));
      case CMD_RESOURCE_UNREF, CMD_RESOURCE_DETACH_BACKING, CMD_CTX_ATTACH_RESOURCE,
          CMD_CTX_DETACH_RESOURCE -> c.u32(v(r, id), 0);
      case CMD_RESOURCE_ATTACH_BACKING -> c.u32(v(r, id), v(r, 1)).u64(backing)
          .u32(v(r, 0x1_0000), 0);
      case CMD_TRANSFER_TO_HOST_2D -> c.u32(v(r, 0), v(r, 0), v(r, w / 2), v(r, h / 2)).u64(0)
          .u32(v(r, id), 0);
      case CMD_SET_SCANOUT -> c.u32(0, 0, v(r, 16 + r.nextInt(40)), v(r, 16 + r.nextInt(40)),
          v(r, r.nextInt(2)), v(r, id));
      case CMD_RESOURCE_FLUSH -> c.u32(v(r, 0), v(r, 0), v(r, w / 2), v(r, h / 2), v(r, id), 0);
      case CMD_GET_CAPSET_INFO, CMD_GET_EDID -> c.u32(v(r, r.nextInt(3)), 0);
      case CMD_GET_CAPSET -> c.u32(v(r, 1 + r.nextInt(2)), v(r, 1));
      case CMD_CTX_CREATE -> c.u32(v(r, 4), v(r, 0)).u32(new int[16]);
      case CMD_RESOURCE_CREATE_3D -> c.u32(v(r, id), v(r, 2), v(r, 2), v(r, 2), v(r, w),
          v(r, h), 1, 1, 0, 0, 0, 0);
      case CMD_TRANSFER_TO_HOST_3D, CMD_TRANSFER_FROM_HOST_3D -> c.u32(v(r, 0), v(r, 0), 0,
          v(r, w / 2), v(r, h / 2), 1).u64(0).u32(v(r, id), 0, v(r, 0), 0);
      case CMD_SUBMIT_3D -> c.u32(v(r, 4), v(r, 0)).u32(v(r, 0));
      case CMD_UPDATE_CURSOR, CMD_MOVE_CURSOR -> c.u32(v(r, 0), v(r, 10), v(r, 10), 0,
          v(r, id), 0, 0, 0);
      default -> {
        for (int f = r.nextInt(14); f > 0; f--) {
          c.u32(field(r));
        }
      }
    }
  }

  private static void fuzz(GpuHarness h, Random rnd, int[] types, int n) throws Exception {
    {
      int ok = 0;
      for (int i = 0; i < n; i++) {
        int type = types[rnd.nextInt(types.length)];
        Cmd c = new Cmd(type, rnd.nextInt(2) * 2, rnd.nextLong(), 1 + rnd.nextInt(3),
            rnd.nextInt(256));
        body(c, type, rnd);
        int queue = rnd.nextInt(2);
        Reply r = h.submit(queue, c.bytes(), rnd.nextInt(8) == 0 ? 8 : 1100);
        int status = r.usedLen() == 0 ? 0 : r.type();
        assertTrue(r.usedLen() == 0
                || status >= RESP_OK_NODATA && status <= RESP_ERR_INVALID_PARAMETER,
            "request " + i + " got " + Integer.toHexString(status));
        if (status == RESP_OK_NODATA) {
          ok++;
        }
        if (i % 500 == 499) {
          h.rewind();
        }
      }
      // Some requests must get through, or the fuzzing only ever tested the first check.
      assertTrue(ok > n / 20, ok + " of " + n + " succeeded");
      assertEquals(RESP_OK_DISPLAY_INFO, h.status(new Cmd(CMD_GET_DISPLAY_INFO)));
      h.device.reset();
      assertEquals(RESP_OK_NODATA, h.create(1, PixelFormat.B8G8R8X8, 16, 16));
    }
  }
}
