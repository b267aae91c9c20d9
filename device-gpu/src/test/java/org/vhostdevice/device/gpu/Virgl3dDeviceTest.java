// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.gpu.VirtioGpu.*;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.gpu.GpuHarness.Cmd;
import org.vhostdevice.device.gpu.GpuHarness.Reply;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/**
 * The 3D commands of the virglrenderer mode, driven like the guest driver does, on the real
 * virglrenderer (Mesa's llvmpipe through surfaceless EGL). Skips only where EGL cannot start.
 */
class Virgl3dDeviceTest {
  private GpuHarness h;

  @BeforeEach
  void setUp() throws Exception {
    VirglRenderer r = VirglAvailability.renderer();
    Assumptions.assumeTrue(r != null, "skipping: " + VirglAvailability.reason());
    h = new GpuHarness(GpuMode.VIRGLRENDERER, r);
  }

  @AfterEach
  void tearDown() {
    if (h != null) {
      h.device.reset();
      h.close();
    }
  }

  private Cmd ctx(int type, int ctxId) {
    return new Cmd(type, 0, 0, ctxId, 0);
  }

  private int createContext(int ctxId) throws Exception {
    return h.status(ctx(CMD_CTX_CREATE, ctxId).u32(4, 0).u32(0x74736574, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0));
  }

  /** RESOURCE_CREATE_3D of a w x h TEXTURE_2D in B8G8R8X8 bound as a render target. */
  private int create3d(int id, int w, int hgt) throws Exception {
    return h.status(new Cmd(CMD_RESOURCE_CREATE_3D).u32(id, 2, 2, 2, w, hgt, 1, 1, 0, 0, 0, 0));
  }

  @Test
  void theModeOffersVirglAndContextInitAndTwoCapsets() {
    assertEquals(F_VIRGL | F_CONTEXT_INIT, h.device.features() & (F_VIRGL | F_CONTEXT_INIT));
    byte[] c = new byte[4];
    h.device.readConfig(12, c);
    assertEquals(2, c[0]);
  }

  @Test
  void capsetInfoListsVirglThenVirgl2() throws Exception {
    Reply r0 = h.ctrl(new Cmd(CMD_GET_CAPSET_INFO).u32(0, 0));
    assertEquals(RESP_OK_CAPSET_INFO, r0.type());
    assertEquals(40, r0.usedLen());
    assertEquals(1, r0.bytes().getInt(24));
    Reply r1 = h.ctrl(new Cmd(CMD_GET_CAPSET_INFO).u32(1, 0));
    assertEquals(2, r1.bytes().getInt(24));
    assertTrue(r1.bytes().getInt(28) >= 2, "max version");
    assertTrue(r1.bytes().getInt(32) > 0, "max size");
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.status(new Cmd(CMD_GET_CAPSET_INFO).u32(2, 0)));
  }

  @Test
  void getCapsetReturnsTheBlobOfItsMaxSize() throws Exception {
    int size = h.ctrl(new Cmd(CMD_GET_CAPSET_INFO).u32(1, 0)).bytes().getInt(32);
    Reply r = h.ctrl(new Cmd(CMD_GET_CAPSET).u32(2, 2));
    assertEquals(RESP_OK_CAPSET, r.type());
    assertEquals(24 + size, r.usedLen());
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.status(new Cmd(CMD_GET_CAPSET).u32(3, 1)));
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.status(new Cmd(CMD_GET_CAPSET).u32(2, 99)));
  }

  @Test
  void contextsAreCreatedOnceAndDestroyedOnce() throws Exception {
    assertEquals(RESP_OK_NODATA, createContext(1));
    assertEquals(RESP_ERR_INVALID_CONTEXT_ID, createContext(1));
    assertEquals(RESP_ERR_INVALID_CONTEXT_ID, createContext(0));
    assertEquals(RESP_OK_NODATA, h.status(ctx(CMD_CTX_DESTROY, 1)));
    assertEquals(RESP_ERR_INVALID_CONTEXT_ID, h.status(ctx(CMD_CTX_DESTROY, 1)));
  }

  @Test
  void aContextInitForADisabledCapsetIsRefused() throws Exception {
    assertEquals(RESP_ERR_INVALID_PARAMETER,
        h.status(ctx(CMD_CTX_CREATE, 3).u32(0, 8).u32(new int[16])));
  }

  @Test
  void attachingNeedsAKnownContextAndResource() throws Exception {
    createContext(1);
    assertEquals(RESP_OK_NODATA, create3d(5, 16, 16));
    assertEquals(RESP_OK_NODATA, h.status(ctx(CMD_CTX_ATTACH_RESOURCE, 1).u32(5, 0)));
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID,
        h.status(ctx(CMD_CTX_ATTACH_RESOURCE, 1).u32(6, 0)));
    assertEquals(RESP_ERR_INVALID_CONTEXT_ID,
        h.status(ctx(CMD_CTX_ATTACH_RESOURCE, 2).u32(5, 0)));
    assertEquals(RESP_OK_NODATA, h.status(ctx(CMD_CTX_DETACH_RESOURCE, 1).u32(5, 0)));
  }

  @Test
  void aResourceRoundTripsThroughTheRenderer() throws Exception {
    createContext(1);
    assertEquals(RESP_OK_NODATA, create3d(5, 16, 8));
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, create3d(5, 16, 8));
    long gpa = h.attach(5, 16 * 8 * 4);
    h.paint(gpa, 16, 8);
    byte[] painted = new byte[16 * 8 * 4];
    h.memory.read(gpa, MemorySegment.ofArray(painted));
    h.status(ctx(CMD_CTX_ATTACH_RESOURCE, 1).u32(5, 0));
    // box x, y, z, w, h, d; offset; resource, level, stride, layer_stride
    assertEquals(RESP_OK_NODATA, h.status(ctx(CMD_TRANSFER_TO_HOST_3D, 1)
        .u32(0, 0, 0, 16, 8, 1).u64(0).u32(5, 0, 64, 0)));
    h.memory.write(gpa, MemorySegment.ofArray(new byte[painted.length]));
    assertEquals(RESP_OK_NODATA, h.status(ctx(CMD_TRANSFER_FROM_HOST_3D, 1)
        .u32(0, 0, 0, 16, 8, 1).u64(0).u32(5, 0, 64, 0)));
    byte[] back = new byte[painted.length];
    h.memory.read(gpa, MemorySegment.ofArray(back));
    assertArrayEquals(painted, back);
    assertEquals(RESP_OK_NODATA, h.status(new Cmd(CMD_RESOURCE_UNREF).u32(5, 0)));
  }

  @Test
  void aTransferOfAnUnknownResourceIsAnInvalidResourceId() throws Exception {
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.status(ctx(CMD_TRANSFER_TO_HOST_3D, 0)
        .u32(0, 0, 0, 1, 1, 1).u64(0).u32(9, 0, 4, 0)));
  }

  @Test
  void aMinimalCommandStreamIsSubmitted() throws Exception {
    createContext(1);
    // SUBMIT_3D: size, num_in_fences, then one VIRGL_CCMD_NOP dword.
    assertEquals(RESP_OK_NODATA, h.status(ctx(CMD_SUBMIT_3D, 1).u32(4, 0).u32(0)));
  }

  @Test
  void submitsToAnUnknownContextOrOfBadSizeAreRefused() throws Exception {
    assertEquals(RESP_ERR_INVALID_CONTEXT_ID, h.status(ctx(CMD_SUBMIT_3D, 7).u32(4, 0).u32(0)));
    createContext(1);
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.status(ctx(CMD_SUBMIT_3D, 1).u32(3, 0).u32(0)));
    assertEquals(RESP_ERR_UNSPEC, h.status(ctx(CMD_SUBMIT_3D, 1).u32(64, 0).u32(0)),
        "the stream is shorter than its size");
  }

  @Test
  void aFencedRequestIsCompletedWhenTheRendererReachesItsFence() throws Exception {
    createContext(1);
    int fenced = h.post(CONTROL_QUEUE,
        new Cmd(CMD_SUBMIT_3D, FLAG_FENCE, 1, 1, 0).u32(4, 0).u32(0).bytes(), 64);
    int plain = h.post(CONTROL_QUEUE, new Cmd(CMD_GET_CAPSET_INFO).u32(0, 0).bytes(), 64);
    List<Integer> order = new ArrayList<>();
    h.serve(CONTROL_QUEUE).forEach(e -> order.add(e.id()));
    boolean parked = h.device.parkedRequests() == 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (order.size() < 2 && System.nanoTime() < deadline) {
      h.wakes.tryAcquire(100, TimeUnit.MILLISECONDS);
      for (UsedElement e : h.serve(CONTROL_QUEUE)) {
        order.add(e.id());
        assertEquals(24, e.len());
      }
    }
    assertTrue(order.contains(fenced), "the fenced request completed: " + order);
    if (parked) {
      // It waited for its fence while the later request went first: completion out of order.
      assertEquals(List.of(plain, fenced), order);
    }
    assertEquals(0, h.device.parkedRequests());
  }

  @Test
  void manyFencesAllCompleteAndTheirResponsesEchoThem() throws Exception {
    createContext(1);
    int[] heads = new int[20];
    for (int i = 0; i < heads.length; i++) {
      heads[i] = h.post(CONTROL_QUEUE,
          new Cmd(CMD_SUBMIT_3D, FLAG_FENCE, 100 + i, 1, 0).u32(4, 0).u32(0).bytes(), 64);
    }
    List<Integer> done = new ArrayList<>();
    h.serve(CONTROL_QUEUE).forEach(e -> done.add(e.id()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (done.size() < heads.length && System.nanoTime() < deadline) {
      h.wakes.tryAcquire(100, TimeUnit.MILLISECONDS);
      h.serve(CONTROL_QUEUE).forEach(e -> done.add(e.id()));
    }
    assertEquals(heads.length, done.size(), "every fenced request completed");
  }

  @Test
  void aScanoutOfARendererResourceShowsItsPixels() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 32, 16);
    long gpa = h.attach(1, 32 * 16 * 4);
    h.paint(gpa, 32, 16);
    assertEquals(RESP_OK_NODATA, h.transfer(1, 0, 0, 32, 16, 0));
    assertEquals(RESP_OK_NODATA, h.setScanout(0, 1, 0, 0, 32, 16));
    h.flush(1, 0, 0, 32, 16);
    h.flush(1, 4, 2, 3, 5);
    assertEquals("update 0 4,2 3x5", h.display.last().text());
    byte[] shown = h.display.last().pixels();
    byte[] painted = new byte[32 * 16 * 4];
    h.memory.read(gpa, MemorySegment.ofArray(painted));
    for (int row = 0; row < 5; row++) {
      for (int b = 0; b < 3 * 4; b++) {
        int src = ((2 + row) * 32 + 4) * 4 + b;
        if (b % 4 != 3) { // the X byte is undefined
          assertEquals(painted[src], shown[row * 12 + b], "row " + row + " byte " + b);
        }
      }
    }
  }

  @Test
  void backingPagesStayMappedWhileTheRendererHoldsThem() throws Exception {
    assertEquals(RESP_OK_NODATA, create3d(5, 16, 16));
    assertEquals(RESP_OK_NODATA, create3d(6, 16, 16));
    h.attach(5, 1024);
    h.attach(6, 1024);
    assertEquals(2, h.device.pinnedBackings());
    h.status(new Cmd(CMD_RESOURCE_DETACH_BACKING).u32(5, 0));
    assertEquals(1, h.device.pinnedBackings(), "detach lets go");
    h.status(new Cmd(CMD_RESOURCE_UNREF).u32(6, 0));
    assertEquals(0, h.device.pinnedBackings(), "unref lets go");
    h.attach(5, 1024);
    h.device.reset();
    assertEquals(0, h.device.pinnedBackings(), "reset lets go");
  }

  @Test
  void theNextFrontendsDeviceTakesOverAndTheOldBackingsAreReleased() throws Exception {
    create3d(5, 16, 16);
    h.attach(5, 1024);
    assertEquals(1, h.device.pinnedBackings());
    try (GpuHarness next = new GpuHarness(GpuMode.VIRGLRENDERER, VirglAvailability.renderer())) {
      assertEquals(0, h.device.pinnedBackings(), "the old guest's objects were destroyed");
      assertEquals(RESP_OK_NODATA, next.status(new Cmd(CMD_RESOURCE_CREATE_3D)
          .u32(5, 2, 2, 2, 16, 16, 1, 1, 0, 0, 0, 0)), "the id is free in the renderer again");
      next.device.reset();
    }
  }
}
