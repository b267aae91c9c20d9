// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.gpu.VirtioGpu.*;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.gpu.GpuHarness.Cmd;
import org.vhostdevice.device.gpu.GpuHarness.Reply;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/** Every 2D command and its error paths, over fake guest memory and a recording display. */
class GpuDeviceTest {
  private GpuHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new GpuHarness(GpuMode.TWO_D);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  // --- identity ------------------------------------------------------------------------------

  @Test
  void identityIsVirtioGpuWithTwoQueuesOnOneWorker() {
    GpuDevice d = h.device;
    assertEquals(16, d.deviceType());
    assertEquals(2, d.numQueues());
    assertEquals(1024, d.maxQueueSize(0));
    assertEquals(1024, d.maxQueueSize(1));
    assertEquals(d.workerOf(0), d.workerOf(1));
  }

  @Test
  void featuresAreTheCommonOnesWithEdidAndWithoutTheUnimplementedOnes() {
    long f = h.device.features();
    assertEquals(VirtioDevice.COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY | F_RING_RESET
        | F_EDID, f);
    assertEquals(0, f & (F_VIRGL | F_RESOURCE_BLOB | F_RESOURCE_UUID | F_CONTEXT_INIT));
  }

  @Test
  void configHasSixteenScanoutsAndNoCapsets() {
    assertEquals(16, h.device.configSize());
    byte[] c = new byte[16];
    h.device.readConfig(0, c);
    ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0, b.getInt(0));
    assertEquals(0, b.getInt(4));
    assertEquals(16, b.getInt(8));
    assertEquals(0, b.getInt(12));
    byte[] part = new byte[4];
    h.device.readConfig(8, part);
    assertArrayEquals(new byte[] {16, 0, 0, 0}, part);
  }

  @Test
  void aConfigWriteOfEventsClearIsAccepted() throws Exception {
    h.device.writeConfig(0, new byte[16]);
    byte[] c = new byte[16];
    h.device.readConfig(0, c);
    assertEquals(16, c[8]);
  }

  // --- display info and EDID -----------------------------------------------------------------

  @Test
  void displayInfoComesFromTheDisplay() throws Exception {
    Reply r = h.ctrl(new Cmd(CMD_GET_DISPLAY_INFO));
    assertEquals(RESP_OK_DISPLAY_INFO, r.type());
    assertEquals(408, r.usedLen());
    assertEquals(800, r.bytes().getInt(24 + 8));
    assertEquals(600, r.bytes().getInt(24 + 12));
    assertEquals(1, r.bytes().getInt(24 + 16));
    assertEquals(0, r.bytes().getInt(24 + 24 + 16), "scanout 1 disabled");
  }

  @Test
  void aFailingDisplayGivesAnErrorAndIsDroppedSoTheNextCommandDoesNotWait() throws Exception {
    h.display.failing = true;
    assertEquals(RESP_ERR_UNSPEC, h.ctrl(new Cmd(CMD_GET_DISPLAY_INFO)).type());
    assertSame(Display.DETACHED, h.device.display());
    Reply r = h.ctrl(new Cmd(CMD_GET_DISPLAY_INFO));
    assertEquals(RESP_OK_DISPLAY_INFO, r.type());
    assertEquals(1024, r.bytes().getInt(24 + 8), "the detached display's default mode");
  }

  @Test
  void displayInfoWithoutRoomForItIsAnsweredWithAnErrorHeader() throws Exception {
    Reply r = h.submit(CONTROL_QUEUE, new Cmd(CMD_GET_DISPLAY_INFO).bytes(), 100);
    assertEquals(24, r.usedLen());
    assertEquals(RESP_ERR_UNSPEC, r.type());
  }

  @Test
  void edidIsAlwaysTheFullStructureWithTheBlobSize() throws Exception {
    Reply r = h.ctrl(new Cmd(CMD_GET_EDID).u32(0, 0));
    assertEquals(RESP_OK_EDID, r.type());
    assertEquals(1056, r.usedLen());
    assertEquals(8, r.bytes().getInt(24));
    assertEquals((byte) 0xFF, r.bytes().get(32 + 1));
    assertEquals(List.of("edid 0"), h.display.texts());
  }

  @Test
  void edidOfAnInvalidScanoutIsAnInvalidParameter() throws Exception {
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.status(new Cmd(CMD_GET_EDID).u32(16, 0)));
    assertTrue(h.display.events.isEmpty());
  }

  @Test
  void aDisplayWithoutEdidGetsOneMadeForTheModeItReported() throws Exception {
    h.display.edid = null;
    h.ctrl(new Cmd(CMD_GET_DISPLAY_INFO)); // 800x600
    Reply r = h.ctrl(new Cmd(CMD_GET_EDID).u32(0, 0));
    assertEquals(RESP_OK_EDID, r.type());
    assertEquals(1056, r.usedLen());
    assertEquals(128, r.bytes().getInt(24));
    byte[] edid = java.util.Arrays.copyOfRange(r.bytes().array(), 32, 32 + 128);
    assertEquals(800, EdidTest.preferredWidth(edid));
    assertEquals(600, EdidTest.preferredHeight(edid));
  }

  @Test
  void edidFromAFailingDisplayIsAnError() throws Exception {
    h.display.failing = true;
    assertEquals(RESP_ERR_UNSPEC, h.status(new Cmd(CMD_GET_EDID).u32(0, 0)));
  }

  // --- resources -------------------------------------------------------------------------

  @Test
  void createsAResource() throws Exception {
    assertEquals(RESP_OK_NODATA, h.create(1, PixelFormat.B8G8R8X8, 64, 32));
    assertEquals(1, h.device.resourceCount());
    assertEquals(64 * 32 * 4, h.device.resourceBytes());
  }

  @Test
  void aSecondResourceWithTheSameIdIsRefused() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 64, 32);
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.create(1, PixelFormat.B8G8R8X8, 8, 8));
    assertEquals(64 * 32 * 4, h.device.resourceBytes(), "the first one is untouched");
  }

  @Test
  void resourceIdZeroIsRefused() throws Exception {
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.create(0, PixelFormat.B8G8R8X8, 8, 8));
  }

  @Test
  void anUnknownFormatIsAnInvalidParameter() throws Exception {
    assertEquals(RESP_ERR_INVALID_PARAMETER,
        h.status(new Cmd(CMD_RESOURCE_CREATE_2D).u32(1, 999, 8, 8)));
  }

  @Test
  void anEmptyOrHugeResourceIsAnInvalidParameter() throws Exception {
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.create(1, PixelFormat.B8G8R8X8, 0, 8));
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.create(1, PixelFormat.B8G8R8X8, 8, 0));
    assertEquals(RESP_ERR_INVALID_PARAMETER,
        h.status(new Cmd(CMD_RESOURCE_CREATE_2D).u32(1, 2, -1, -1)));
  }

  @Test
  void resourcesBeyondTheMemoryBudgetAreOutOfMemory() throws Exception {
    // 8192 x 8192 x 4 = 256 MiB: exactly the budget; one more pixel row does not fit.
    assertEquals(RESP_OK_NODATA, h.create(1, PixelFormat.B8G8R8X8, 8192, 8192));
    assertEquals(RESP_ERR_OUT_OF_MEMORY, h.create(2, PixelFormat.B8G8R8X8, 1, 1));
    h.status(new Cmd(CMD_RESOURCE_UNREF).u32(1, 0));
    assertEquals(RESP_OK_NODATA, h.create(2, PixelFormat.B8G8R8X8, 1, 1), "freed by unref");
  }

  @Test
  void unrefFreesTheResource() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 8, 8);
    assertEquals(RESP_OK_NODATA, h.status(new Cmd(CMD_RESOURCE_UNREF).u32(1, 0)));
    assertEquals(0, h.device.resourceCount());
    assertEquals(0, h.device.resourceBytes());
  }

  @Test
  void unrefOfAnUnknownResourceIsAnInvalidResourceId() throws Exception {
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.status(new Cmd(CMD_RESOURCE_UNREF).u32(5, 0)));
  }

  @Test
  void unrefOfAShownResourceTurnsItsScanoutOff() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 64, 64);
    h.setScanout(0, 1, 0, 0, 64, 64);
    assertEquals(RESP_OK_NODATA, h.status(new Cmd(CMD_RESOURCE_UNREF).u32(1, 0)));
    assertEquals(List.of("scanout 0 64x64", "scanout 0 0x0"), h.display.texts());
    // The scanout is really free: a new resource can be shown on it.
    h.create(2, PixelFormat.B8G8R8X8, 64, 64);
    assertEquals(RESP_OK_NODATA, h.setScanout(0, 2, 0, 0, 64, 64));
  }

  // --- backing -------------------------------------------------------------------------------

  @Test
  void attachingBackingToAnUnknownResourceIsAnInvalidResourceId() throws Exception {
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.status(
        new Cmd(CMD_RESOURCE_ATTACH_BACKING).u32(9, 1).u64(GpuHarness.R0).u32(4096, 0)));
  }

  @Test
  void backingOutsideGuestMemoryIsRefused() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 8, 8);
    assertEquals(RESP_ERR_UNSPEC, h.status(
        new Cmd(CMD_RESOURCE_ATTACH_BACKING).u32(1, 1).u64(0xF000_0000L).u32(256, 0)));
    // Nothing was attached: a valid attach still works.
    h.attach(1, 256);
  }

  @Test
  void backingAttachedTwiceIsRefused() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 8, 8);
    h.attach(1, 256);
    assertEquals(RESP_ERR_UNSPEC, h.status(
        new Cmd(CMD_RESOURCE_ATTACH_BACKING).u32(1, 1).u64(GpuHarness.R0).u32(256, 0)));
  }

  @Test
  void aBackingListWithNoOrTooManyEntriesIsRefused() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 8, 8);
    assertEquals(RESP_ERR_UNSPEC, h.status(new Cmd(CMD_RESOURCE_ATTACH_BACKING).u32(1, 0)));
    assertEquals(RESP_ERR_UNSPEC,
        h.status(new Cmd(CMD_RESOURCE_ATTACH_BACKING).u32(1, 100_000)));
  }

  @Test
  void aBackingListShorterThanItsCountIsRefused() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 8, 8);
    assertEquals(RESP_ERR_UNSPEC, h.status(
        new Cmd(CMD_RESOURCE_ATTACH_BACKING).u32(1, 2).u64(GpuHarness.R0).u32(256, 0)));
    h.attach(1, 256);
  }

  @Test
  void detachingRemovesTheBacking() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 8, 8);
    h.attach(1, 256);
    assertEquals(RESP_OK_NODATA, h.status(new Cmd(CMD_RESOURCE_DETACH_BACKING).u32(1, 0)));
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.transfer(1, 0, 0, 8, 8, 0));
    assertEquals(RESP_ERR_UNSPEC, h.status(new Cmd(CMD_RESOURCE_DETACH_BACKING).u32(1, 0)),
        "nothing left to detach");
  }

  @Test
  void detachingFromAnUnknownResourceIsAnInvalidResourceId() throws Exception {
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID,
        h.status(new Cmd(CMD_RESOURCE_DETACH_BACKING).u32(3, 0)));
  }

  // --- transfer ------------------------------------------------------------------------------

  /** A 32x16 resource shown on scanout 0 with its backing painted with (x, y) pixels. */
  private long shownResource() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 32, 16);
    long gpa = h.attach(1, 32 * 16 * 4);
    h.paint(gpa, 32, 16);
    h.setScanout(0, 1, 0, 0, 32, 16);
    return gpa;
  }

  private static byte[] expected(int x0, int y0, int w, int hgt) {
    byte[] px = new byte[w * hgt * 4];
    for (int y = 0; y < hgt; y++) {
      for (int x = 0; x < w; x++) {
        int o = (y * w + x) * 4;
        px[o] = (byte) (x0 + x);
        px[o + 1] = (byte) ((x0 + x) >> 8);
        px[o + 2] = (byte) (y0 + y);
        px[o + 3] = (byte) ((y0 + y) >> 8);
      }
    }
    return px;
  }

  @Test
  void aFullTransferAndFlushShowsTheWholeImage() throws Exception {
    shownResource();
    assertEquals(RESP_OK_NODATA, h.transfer(1, 0, 0, 32, 16, 0));
    assertEquals(RESP_OK_NODATA, h.flush(1, 0, 0, 32, 16));
    assertEquals("update 0 0,0 32x16", h.display.last().text());
    assertArrayEquals(expected(0, 0, 32, 16), h.display.last().pixels());
  }

  @Test
  void aPartialTransferCopiesOnlyItsRectangle() throws Exception {
    shownResource();
    // Rows 2..5, columns 4..11; the driver's offset points at (4, 2) in the backing.
    assertEquals(RESP_OK_NODATA, h.transfer(1, 4, 2, 8, 4, (2 * 32 + 4) * 4));
    h.flush(1, 0, 0, 32, 16);
    byte[] shown = h.display.last().pixels();
    byte[] want = new byte[32 * 16 * 4];
    byte[] all = expected(0, 0, 32, 16);
    for (int y = 2; y < 6; y++) {
      System.arraycopy(all, (y * 32 + 4) * 4, want, (y * 32 + 4) * 4, 8 * 4);
    }
    assertArrayEquals(want, shown);
  }

  @Test
  void aTransferOutsideTheResourceIsAnInvalidParameter() throws Exception {
    shownResource();
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.transfer(1, 30, 0, 4, 1, 0));
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.transfer(1, 0, 0, -1, 1, 0));
  }

  @Test
  void aTransferReadingPastTheBackingIsAnInvalidParameter() throws Exception {
    shownResource();
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.transfer(1, 0, 0, 32, 16, 4));
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.transfer(1, 0, 0, 1, 1, Long.MIN_VALUE));
  }

  @Test
  void aTransferWithoutBackingIsAnInvalidResourceId() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 8, 8);
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.transfer(1, 0, 0, 8, 8, 0));
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.transfer(2, 0, 0, 8, 8, 0));
  }

  @Test
  void backingScatteredOverPagesAndRegionsIsGatheredInOrder() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 32, 16); // 2048 bytes
    // Three entries: 100 bytes in region 0, 1000 bytes straddling the region boundary, the rest.
    long a = h.alloc(100);
    long b = GpuHarness.R1 - 500;
    long c = GpuHarness.R1 + 4096;
    assertEquals(RESP_OK_NODATA, h.status(new Cmd(CMD_RESOURCE_ATTACH_BACKING).u32(1, 3)
        .u64(a).u32(100, 0).u64(b).u32(1000, 0).u64(c).u32(948, 0)));
    byte[] img = expected(0, 0, 32, 16);
    h.memory.write(a, MemorySegment.ofArray(img).asSlice(0, 100));
    h.memory.write(b, MemorySegment.ofArray(img).asSlice(100, 1000));
    h.memory.write(c, MemorySegment.ofArray(img).asSlice(1100, 948));
    h.setScanout(0, 1, 0, 0, 32, 16);
    assertEquals(RESP_OK_NODATA, h.transfer(1, 0, 0, 32, 16, 0));
    h.flush(1, 0, 0, 32, 16);
    assertArrayEquals(img, h.display.last().pixels());
  }

  // --- scanout -------------------------------------------------------------------------------

  @Test
  void setScanoutAnnouncesTheSizeOnce() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 64, 64);
    assertEquals(RESP_OK_NODATA, h.setScanout(0, 1, 0, 0, 64, 64));
    assertEquals(RESP_OK_NODATA, h.setScanout(0, 1, 0, 0, 64, 64));
    assertEquals(List.of("scanout 0 64x64"), h.display.texts());
  }

  @Test
  void aNewScanoutSizeIsAnnouncedAgain() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 64, 64);
    h.setScanout(0, 1, 0, 0, 64, 64);
    h.setScanout(0, 1, 0, 0, 32, 32);
    assertEquals(List.of("scanout 0 64x64", "scanout 0 32x32"), h.display.texts());
  }

  @Test
  void anInvalidScanoutIdIsRefused() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 64, 64);
    assertEquals(RESP_ERR_INVALID_SCANOUT_ID, h.setScanout(16, 1, 0, 0, 64, 64));
    assertTrue(h.display.events.isEmpty());
  }

  @Test
  void anUnknownResourceIsRefusedBeforeAnythingChanges() throws Exception {
    shownResource();
    h.display.events.clear();
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.setScanout(0, 7, 0, 0, 32, 16));
    assertTrue(h.display.events.isEmpty(), "the display was not touched");
    // Scanout 0 still shows resource 1.
    h.transfer(1, 0, 0, 32, 16, 0);
    h.flush(1, 0, 0, 32, 16);
    assertEquals("update 0 0,0 32x16", h.display.last().text());
  }

  @Test
  void aRectangleOutsideTheResourceOrTooSmallIsRefusedBeforeAnythingChanges() throws Exception {
    shownResource();
    h.display.events.clear();
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.setScanout(0, 1, 8, 0, 32, 16));
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.setScanout(0, 1, 0, 0, 8, 8));
    assertTrue(h.display.events.isEmpty());
    h.transfer(1, 0, 0, 32, 16, 0);
    h.flush(1, 0, 0, 32, 16);
    assertEquals("update 0 0,0 32x16", h.display.last().text());
  }

  @Test
  void resourceZeroTurnsTheScanoutOff() throws Exception {
    shownResource();
    assertEquals(RESP_OK_NODATA, h.setScanout(0, 0, 0, 0, 0, 0));
    assertEquals("scanout 0 0x0", h.display.last().text());
    h.display.events.clear();
    h.flush(1, 0, 0, 32, 16);
    assertTrue(h.display.events.isEmpty(), "no update for a resource no longer shown");
  }

  @Test
  void turningOffAScanoutThatIsOffSendsNothing() throws Exception {
    assertEquals(RESP_OK_NODATA, h.setScanout(3, 0, 0, 0, 0, 0));
    assertTrue(h.display.events.isEmpty());
  }

  // --- flush ---------------------------------------------------------------------------------

  @Test
  void afterTheFirstFullUpdateAFlushSendsOnlyTheDamagedRectangle() throws Exception {
    shownResource();
    h.transfer(1, 0, 0, 32, 16, 0);
    h.flush(1, 0, 0, 1, 1); // the first update after SCANOUT covers everything
    assertEquals("update 0 0,0 32x16", h.display.last().text());
    assertEquals(RESP_OK_NODATA, h.flush(1, 5, 3, 4, 2));
    assertEquals("update 0 5,3 4x2", h.display.last().text());
    assertArrayEquals(expected(5, 3, 4, 2), h.display.last().pixels());
  }

  @Test
  void aScanoutShowingPartOfAResourceGetsThePartOfTheDamageItShows() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 64, 32);
    long gpa = h.attach(1, 64 * 32 * 4);
    h.paint(gpa, 64, 32);
    h.transfer(1, 0, 0, 64, 32, 0);
    h.setScanout(2, 1, 32, 16, 32, 16); // the lower right quarter
    h.flush(1, 32, 16, 32, 16);
    h.flush(1, 20, 10, 20, 10); // overlaps the quarter in (32..40, 16..20)
    assertEquals("update 2 0,0 8x4", h.display.last().text());
    assertArrayEquals(expected(32, 16, 8, 4), h.display.last().pixels());
    int before = h.display.events.size();
    h.flush(1, 0, 0, 16, 16);
    assertEquals(before, h.display.events.size(), "damage outside the scanout sends nothing");
  }

  @Test
  void aFlushOutsideTheResourceIsAnInvalidParameter() throws Exception {
    shownResource();
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.flush(1, 0, 0, 33, 16));
  }

  @Test
  void aFlushOfAnUnknownResourceIsAnInvalidResourceId() throws Exception {
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID, h.flush(4, 0, 0, 1, 1));
  }

  @Test
  void otherFormatsAreShownAsBgrx() throws Exception {
    h.create(1, PixelFormat.R8G8B8A8, 16, 16);
    long gpa = h.attach(1, 16 * 16 * 4);
    byte[] rgba = new byte[16 * 16 * 4];
    for (int i = 0; i < 256; i++) {
      rgba[i * 4] = 10; // R
      rgba[i * 4 + 1] = 20; // G
      rgba[i * 4 + 2] = 30; // B
      rgba[i * 4 + 3] = 40; // A
    }
    h.memory.write(gpa, MemorySegment.ofArray(rgba));
    h.transfer(1, 0, 0, 16, 16, 0);
    h.setScanout(0, 1, 0, 0, 16, 16);
    h.flush(1, 0, 0, 16, 16);
    byte[] shown = h.display.last().pixels();
    assertArrayEquals(new byte[] {30, 20, 10, 40}, java.util.Arrays.copyOf(shown, 4));
  }

  @Test
  void aFailingDisplayDuringFlushIsDroppedAndTheFlushStillAnswered() throws Exception {
    shownResource();
    h.transfer(1, 0, 0, 32, 16, 0);
    h.display.failing = true;
    assertEquals(RESP_OK_NODATA, h.flush(1, 0, 0, 32, 16));
    assertSame(Display.DETACHED, h.device.display());
  }

  // --- cursor --------------------------------------------------------------------------------

  private Cmd cursor(int type, int scanout, int x, int y, int resource, int hotX, int hotY) {
    return new Cmd(type).u32(scanout, x, y, 0, resource, hotX, hotY, 0);
  }

  @Test
  void updateCursorSendsTheImageAsBgra() throws Exception {
    h.create(5, PixelFormat.B8G8R8A8, 64, 64);
    long gpa = h.attach(5, 64 * 64 * 4);
    h.paint(gpa, 64, 64);
    h.transfer(5, 0, 0, 64, 64, 0);
    assertEquals(RESP_OK_NODATA, h.cursor(cursor(CMD_UPDATE_CURSOR, 0, 100, 50, 5, 3, 4)));
    assertEquals("cursor 0 100,50 hot 3,4", h.display.last().text());
    assertArrayEquals(expected(0, 0, 64, 64), h.display.last().pixels());
  }

  @Test
  void aCursorThatIsNot64By64IsAnInvalidParameter() throws Exception {
    h.create(5, PixelFormat.B8G8R8A8, 32, 32);
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.cursor(cursor(CMD_UPDATE_CURSOR, 0, 1, 1, 5, 0, 0)));
    assertTrue(h.display.events.isEmpty());
  }

  @Test
  void anUnknownCursorResourceIsAnInvalidResourceId() throws Exception {
    assertEquals(RESP_ERR_INVALID_RESOURCE_ID,
        h.cursor(cursor(CMD_UPDATE_CURSOR, 0, 1, 1, 9, 0, 0)));
  }

  @Test
  void updateCursorWithResourceZeroHidesIt() throws Exception {
    assertEquals(RESP_OK_NODATA, h.cursor(cursor(CMD_UPDATE_CURSOR, 0, 7, 8, 0, 0, 0)));
    assertEquals("hide 0 7,8", h.display.last().text());
  }

  @Test
  void moveCursorMovesOrHides() throws Exception {
    assertEquals(RESP_OK_NODATA, h.cursor(cursor(CMD_MOVE_CURSOR, 1, 10, 20, 5, 0, 0)));
    assertEquals(RESP_OK_NODATA, h.cursor(cursor(CMD_MOVE_CURSOR, 1, 11, 21, 0, 0, 0)));
    assertEquals(List.of("move 1 10,20", "hide 1 11,21"), h.display.texts());
  }

  @Test
  void aCursorTheDisplayDidNotTakeIsAnError() throws Exception {
    h.create(5, PixelFormat.B8G8R8A8, 64, 64);
    h.display.failing = true;
    assertEquals(RESP_ERR_UNSPEC, h.cursor(cursor(CMD_UPDATE_CURSOR, 0, 1, 1, 5, 0, 0)));
    // The dead peer is dropped: later cursor commands are answered without it.
    assertEquals(RESP_OK_NODATA, h.cursor(cursor(CMD_MOVE_CURSOR, 0, 2, 2, 5, 0, 0)));
  }

  @Test
  void cursorCommandsOnAnInvalidScanoutAreRefused() throws Exception {
    assertEquals(RESP_ERR_INVALID_SCANOUT_ID,
        h.cursor(cursor(CMD_MOVE_CURSOR, 16, 0, 0, 0, 0, 0)));
    assertEquals(RESP_ERR_INVALID_SCANOUT_ID,
        h.cursor(cursor(CMD_UPDATE_CURSOR, -1, 0, 0, 0, 0, 0)));
    assertTrue(h.display.events.isEmpty());
  }

  // --- unsupported and malformed requests ------------------------------------------------------

  @Test
  void blobUuidAnd3dCommandsGetAnErrorAndTheDeviceGoesOn() throws Exception {
    int[] types = {CMD_RESOURCE_ASSIGN_UUID, CMD_RESOURCE_CREATE_BLOB, CMD_SET_SCANOUT_BLOB,
        CMD_RESOURCE_MAP_BLOB, CMD_RESOURCE_UNMAP_BLOB, CMD_CTX_CREATE, CMD_CTX_DESTROY,
        CMD_CTX_ATTACH_RESOURCE, CMD_CTX_DETACH_RESOURCE, CMD_RESOURCE_CREATE_3D,
        CMD_TRANSFER_TO_HOST_3D, CMD_TRANSFER_FROM_HOST_3D, CMD_SUBMIT_3D, 0x9999};
    for (int t : types) {
      Reply r = h.ctrl(new Cmd(t).u32(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
      assertEquals(RESP_ERR_UNSPEC, r.type(), "command 0x" + Integer.toHexString(t));
      assertEquals(24, r.usedLen());
    }
    assertEquals(RESP_OK_NODATA, h.create(1, PixelFormat.B8G8R8X8, 8, 8));
  }

  @Test
  void capsetQueriesAreInvalidParametersWithoutCapsets() throws Exception {
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.status(new Cmd(CMD_GET_CAPSET_INFO).u32(0, 0)));
    assertEquals(RESP_ERR_INVALID_PARAMETER, h.status(new Cmd(CMD_GET_CAPSET).u32(2, 1)));
  }

  @Test
  void aRequestShorterThanTheHeaderIsAnError() throws Exception {
    Reply r = h.submit(CONTROL_QUEUE, new byte[10], 64);
    assertEquals(RESP_ERR_UNSPEC, r.type());
    assertEquals(24, r.usedLen());
  }

  @Test
  void aCommandShorterThanItsStructureIsAnError() throws Exception {
    assertEquals(RESP_ERR_UNSPEC, h.status(new Cmd(CMD_RESOURCE_CREATE_2D).u32(1, 2)));
    assertEquals(0, h.device.resourceCount());
  }

  @Test
  void aRequestWithoutWritableBytesIsReturnedWithLengthZero() throws Exception {
    Reply r = h.submit(CONTROL_QUEUE, new Cmd(CMD_RESOURCE_CREATE_2D).u32(1, 2, 8, 8).bytes(), 0);
    assertEquals(0, r.usedLen());
    assertEquals(1, h.device.resourceCount(), "the command itself ran");
  }

  @Test
  void aResponseSplitOverDescriptorsIsWrittenWhole() throws Exception {
    byte[] req = new Cmd(CMD_GET_DISPLAY_INFO).bytes();
    long r = h.alloc(req.length);
    h.memory.write(r, MemorySegment.ofArray(req));
    long a = h.alloc(100);
    long b = h.alloc(308);
    Reply reply = h.run(CONTROL_QUEUE, new Buffer(r, req.length, false), new Buffer(a, 100, true),
        new Buffer(b, 308, true));
    assertEquals(408, reply.usedLen());
    assertEquals(RESP_OK_DISPLAY_INFO, reply.type());
    byte[] joined = new byte[408];
    h.memory.read(a, MemorySegment.ofArray(joined).asSlice(0, 100));
    h.memory.read(b, MemorySegment.ofArray(joined).asSlice(100, 308));
    Reply whole = h.ctrl(new Cmd(CMD_GET_DISPLAY_INFO));
    assertArrayEquals(java.util.Arrays.copyOf(whole.bytes().array(), 408), joined);
  }

  // --- fences --------------------------------------------------------------------------------

  @Test
  void aFencedCommandEchoesItsFenceInTheResponse() throws Exception {
    Reply r = h.ctrl(new Cmd(CMD_RESOURCE_CREATE_2D, FLAG_FENCE | FLAG_INFO_RING_IDX, 77, 3, 2)
        .u32(1, 2, 8, 8));
    assertEquals(RESP_OK_NODATA, r.type());
    assertEquals(FLAG_FENCE | FLAG_INFO_RING_IDX, r.bytes().getInt(4));
    assertEquals(77, r.bytes().getLong(8));
    assertEquals(3, r.bytes().getInt(16));
    assertEquals(2, r.bytes().get(20));
  }

  @Test
  void anUnfencedCommandHasZeroHeaderFields() throws Exception {
    Reply r = h.ctrl(new Cmd(CMD_RESOURCE_CREATE_2D, 0, 77, 3, 2).u32(1, 2, 8, 8));
    assertEquals(0, r.bytes().getInt(4));
    assertEquals(0, r.bytes().getLong(8));
    assertEquals(0, r.bytes().getInt(16));
  }

  // --- lifecycle -----------------------------------------------------------------------------

  @Test
  void resetForgetsEveryResource() throws Exception {
    h.create(1, PixelFormat.B8G8R8X8, 8, 8);
    h.device.reset();
    assertEquals(0, h.device.resourceCount());
    assertEquals(RESP_OK_NODATA, h.create(1, PixelFormat.B8G8R8X8, 8, 8));
  }

  @Test
  void aNewDisplaySocketReplacesAndClosesTheOldOne() throws Exception {
    OwnedFd[] first = Sockets.socketPair();
    OwnedFd[] second = Sockets.socketPair();
    try {
      h.device.gpuSocket(first[0]);
      Display d1 = h.device.display();
      assertTrue(d1.isConnected());
      h.device.gpuSocket(second[0]);
      assertFalse(d1.isConnected(), "the first socket is closed");
      assertTrue(first[0].isClosed());
      assertTrue(h.device.display().isConnected());
    } finally {
      first[1].close();
      second[1].close();
    }
  }

  @Test
  void stoppingTheControlQueueLetsGoOfTheDisplaySocket() throws Exception {
    OwnedFd[] pair = Sockets.socketPair();
    try {
      h.device.gpuSocket(pair[0]);
      h.device.queueStopped(CURSOR_QUEUE);
      assertTrue(h.device.display().isConnected());
      h.device.queueStopped(CONTROL_QUEUE);
      assertSame(Display.DETACHED, h.device.display());
      assertTrue(pair[0].isClosed());
    } finally {
      pair[1].close();
    }
  }
}
