// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * virglrenderer itself through the FFM boundary, on whatever EGL the machine has (Mesa's llvmpipe
 * with surfaceless EGL in CI). Skips with the reason only where EGL cannot start.
 */
class VirglRendererTest {
  static VirglRenderer renderer;
  static final LinkedBlockingQueue<Integer> fences = new LinkedBlockingQueue<>();
  private static final Object OWNER = new Object();

  @BeforeAll
  static void start() throws Exception {
    renderer = VirglAvailability.renderer();
    Assumptions.assumeTrue(renderer != null, "skipping: " + VirglAvailability.reason());
    renderer.adopt(OWNER, fences::add, () -> { });
  }

  @Test
  void bothVirglCapsetsAreDescribed() throws Exception {
    int[] virgl = renderer.capsetInfo(1);
    int[] virgl2 = renderer.capsetInfo(2);
    assertTrue(virgl[0] >= 1 && virgl[1] > 0);
    assertTrue(virgl2[0] >= 2 && virgl2[1] > virgl[1]);
    byte[] caps = renderer.capset(2, virgl2[0], virgl2[1]);
    assertEquals(virgl2[1], caps.length);
    assertNotEquals(0, caps[0] | caps[1] | caps[2] | caps[3], "caps are filled in");
  }

  @Test
  void aContextRunsAMinimalCommandStream() throws Exception {
    assertEquals(0, renderer.contextCreate(10, 0, "test".getBytes()));
    // One VIRGL_CCMD_NOP (command 0) with no payload.
    assertEquals(0, renderer.submit(10, new byte[4]));
    renderer.contextDestroy(10);
  }

  @Test
  void aFenceCompletes() throws Exception {
    fences.clear();
    assertEquals(0, renderer.createFence(41, 0));
    Integer done = fences.poll(10, TimeUnit.SECONDS);
    assertEquals(41, done);
  }

  @Test
  void aTextureIsCreatedWrittenAndReadBack() throws Exception {
    // handle, target 2 (TEXTURE_2D), format 2 (B8G8R8X8), bind 2 (RENDER_TARGET), 4x4, depth 1,
    // array 1, last_level 0, samples 0, flags 0.
    assertEquals(0, renderer.resourceCreate(new int[] {7, 2, 2, 2, 4, 4, 1, 1, 0, 0, 0}));
    try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
      java.lang.foreign.MemorySegment backing = a.allocate(64, 8);
      for (int i = 0; i < 64; i++) {
        backing.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 3));
      }
      assertEquals(0, renderer.attachBacking(7, new long[] {backing.address()}, new long[] {64}));
      assertEquals(0, renderer.transferWrite(7, 0, 0, 16, 0, new int[] {0, 0, 0, 4, 4, 1}, 0));
      byte[] px = new byte[16];
      assertEquals(0, renderer.readPixels(7, 1, 2, 2, 2, px));
      // Pixel (1, 2) is at byte (2 * 4 + 1) * 4 = 36 of the backing.
      assertEquals((byte) (36 * 3), px[0]);
      assertEquals((byte) (43 * 3), px[7], "byte 3 of pixel (2, 2)");
      renderer.detachBacking(7);
    }
    renderer.resourceUnref(7);
  }
}
