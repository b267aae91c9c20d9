// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.gpu.VirtioGpu.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.gpu.GpuHarness.Cmd;
import org.vhostdevice.device.gpu.GpuHarness.Reply;

/** Random, mostly invalid requests: each is answered with a status and the device keeps going. */
class GpuFuzzTest {
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
