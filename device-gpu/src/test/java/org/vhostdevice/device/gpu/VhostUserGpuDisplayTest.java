// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.device.gpu.FakeQemuDisplay.Msg;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.sys.Sockets;

/** The display protocol on a socketpair, against a peer that behaves like QEMU (or does not). */
class VhostUserGpuDisplayTest {
  private static final long TIMEOUT = TimeUnit.MILLISECONDS.toNanos(300);
  private FakeQemuDisplay peer;
  private VhostUserGpuDisplay display;

  @BeforeEach
  void setUp() throws Exception {
    OwnedFd[] pair = Sockets.socketPair();
    peer = new FakeQemuDisplay(pair[1]);
    display = new VhostUserGpuDisplay(new DisplaySocket(pair[0]), TIMEOUT);
  }

  @AfterEach
  void tearDown() throws Exception {
    display.close();
    peer.close();
  }

  @Test
  void theFirstMessageNegotiatesProtocolFeatures() throws Exception {
    display.displayInfo();
    assertEquals(VhostUserGpuDisplay.GET_PROTOCOL_FEATURES, peer.received.take().request());
    Msg set = peer.received.take();
    assertEquals(VhostUserGpuDisplay.SET_PROTOCOL_FEATURES, set.request());
    assertEquals(VhostUserGpuDisplay.PROTOCOL_F_EDID, set.buf().getLong(0));
    assertEquals(VhostUserGpuDisplay.PROTOCOL_F_EDID, display.protocolFeatures());
  }

  @Test
  void displayInfoIsTheReplyWithoutItsHeader() throws Exception {
    byte[] info = display.displayInfo();
    ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(384, info.length);
    assertEquals(640, b.getInt(8));
    assertEquals(480, b.getInt(12));
    assertEquals(1, b.getInt(16));
  }

  @Test
  void edidIsTheBlobOfTheSizeThePeerGives() throws Exception {
    byte[] edid = display.edid(0);
    assertEquals(128, edid.length);
    assertEquals((byte) 0xFF, edid[1]);
    assertEquals(0x42, edid[127]);
    Msg req = peer.next(1000);
    assertEquals(VhostUserGpuDisplay.GET_EDID, req.request());
    assertEquals(0, req.buf().getInt(0));
  }

  @Test
  void aPeerWithoutTheEdidFeatureIsNotAskedForOne() throws Exception {
    peer.features = 0;
    assertNull(display.edid(0));
    display.scanout(0, 1, 1);
    assertEquals(VhostUserGpuDisplay.SCANOUT, peer.next(1000).request(), "no GET_EDID was sent");
  }

  @Test
  void aPeerThatDoesNotKnowProtocolFeaturesGetsTheBaseProtocol() throws Exception {
    peer.answerFeatures = false;
    assertNull(display.edid(0));
    assertEquals(0, display.protocolFeatures());
    // The link still works for everything else.
    assertEquals(640, ByteBuffer.wrap(display.displayInfo()).order(ByteOrder.LITTLE_ENDIAN)
        .getInt(8));
  }

  @Test
  void scanoutUpdateAndCursorMessagesCarryTheirFields() throws Exception {
    display.scanout(0, 4, 2);
    byte[] px = new byte[4 * 2 * 4];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) i;
    }
    display.update(0, 0, 0, 4, 2, px);
    byte[] cursor = new byte[64 * 64 * 4];
    cursor[5] = 9;
    display.cursorUpdate(1, 10, 20, 3, 4, cursor);
    display.cursorMove(1, 11, 21, true);
    display.cursorMove(1, 12, 22, false);
    Msg s = peer.next(1000);
    assertEquals(VhostUserGpuDisplay.SCANOUT, s.request());
    assertEquals(12, s.payload().length);
    Msg u = peer.next(1000);
    assertEquals(VhostUserGpuDisplay.UPDATE, u.request());
    assertEquals(20 + 32, u.payload().length);
    assertEquals(4, u.buf().getInt(12));
    assertArrayEquals(px, java.util.Arrays.copyOfRange(u.payload(), 20, 52));
    Msg c = peer.next(1000);
    assertEquals(VhostUserGpuDisplay.CURSOR_UPDATE, c.request());
    assertEquals(20 + 16384, c.payload().length);
    assertEquals(3, c.buf().getInt(12));
    assertEquals(9, c.payload()[25]);
    assertEquals(VhostUserGpuDisplay.CURSOR_POS, peer.next(1000).request());
    Msg hide = peer.next(1000);
    assertEquals(VhostUserGpuDisplay.CURSOR_POS_HIDE, hide.request());
    assertEquals(12, hide.buf().getInt(4));
    assertEquals(0, peer.pixel(0, 0) & 0xFF);
    assertEquals(0x060504, peer.pixel(1, 0));
  }

  @Test
  void aStalledPeerMakesALargeUpdateTimeOut() throws Exception {
    display.scanout(0, 1024, 1024); // negotiated while the peer still reads
    peer.next(1000);
    peer.stalled = true;
    Thread.sleep(50);
    byte[] big = new byte[1024 * 1024 * 4];
    long t0 = System.nanoTime();
    IOException e = assertThrows(IOException.class,
        () -> display.update(0, 0, 0, 1024, 1024, big));
    assertInstanceOf(DisplayTimeoutException.class, e);
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "bounded wait");
  }

  @Test
  void aPeerThatNeverAnswersMakesDisplayInfoTimeOut() throws Exception {
    display.scanout(0, 8, 8);
    peer.next(1000);
    peer.stalled = true;
    Thread.sleep(50);
    assertThrows(DisplayTimeoutException.class, () -> display.displayInfo());
  }

  @Test
  void aClosedPeerIsAnError() throws Exception {
    display.scanout(0, 8, 8);
    assertNotNull(peer.next(1000));
    peer.close();
    IOException e = assertThrows(IOException.class, () -> display.displayInfo());
    assertTrue(e instanceof EOFException || e instanceof org.vhostdevice.sys.NativeException,
        e.toString());
  }

  @Test
  void aClosedDisplayIsNotConnectedAndRefusesIo() {
    display.close();
    assertTrue(!display.isConnected());
    assertThrows(EOFException.class, () -> display.scanout(0, 1, 1));
  }
}
