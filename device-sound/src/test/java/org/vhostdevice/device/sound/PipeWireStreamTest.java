// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vhostdevice.device.sound.VirtioSnd.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PipeWire process logic on buffers of our own (no daemon): what goes into a playback
 * buffer, silence when the guest's queue runs dry, and where captured frames go.
 */
class PipeWireStreamTest {
  private SoundRig rig;
  private final Arena arena = Arena.ofConfined();

  @BeforeEach
  void setUp() throws Exception {
    rig = new SoundRig(new NullBackend()); // its clock stands still: it moves nothing itself
  }

  @AfterEach
  void tearDown() {
    arena.close();
    rig.close();
  }

  private PcmStream started(int id, int channels, int format) throws Exception {
    assertEquals(S_OK, rig.status(SoundRig.setParams(id, 4096, 512, 0, channels, format,
        RATE_48000)));
    rig.status(SoundRig.hdr(R_PCM_PREPARE, id));
    rig.status(SoundRig.hdr(R_PCM_START, id));
    return rig.device.stream(id);
  }

  private MemorySegment buffer(int n, byte fill) {
    MemorySegment m = arena.allocate(n);
    m.fill(fill);
    return m;
  }

  @Test
  void playbackTakesQueuedFramesThenPadsWithSilence() throws Exception {
    PcmStream s = started(0, 2, FMT_S16);
    byte[] frames = new byte[100];
    Arrays.fill(frames, (byte) 7);
    long st = rig.tx(0, frames);
    rig.run(TX_QUEUE);
    MemorySegment mem = buffer(400, (byte) 0x55);
    MemorySegment chunk = arena.allocate(16);
    new PipeWireStream(s, s.params()).play(mem, chunk, 0);
    byte[] expected = new byte[400];
    Arrays.fill(expected, 0, 100, (byte) 7);
    assertArrayEquals(expected, mem.toArray(JAVA_BYTE), "no stale audio after the data");
    assertEquals(400, chunk.get(JAVA_INT, 4), "chunk size");
    assertEquals(4, chunk.get(JAVA_INT, 8), "stride: one frame");
    rig.run(TX_QUEUE);
    assertEquals(8, rig.used(TX_QUEUE).len());
    assertEquals(S_OK, rig.u32(st));
  }

  @Test
  void playbackHonoursTheRequestedFramesAndU8Silence() throws Exception {
    PcmStream s = started(0, 1, FMT_U8);
    MemorySegment mem = buffer(400, (byte) 0x55);
    MemorySegment chunk = arena.allocate(16);
    new PipeWireStream(s, s.params()).play(mem, chunk, 64);
    assertEquals(64, chunk.get(JAVA_INT, 4));
    byte[] silence = new byte[64];
    Arrays.fill(silence, (byte) 0x80);
    assertArrayEquals(silence, mem.asSlice(0, 64).toArray(JAVA_BYTE));
  }

  @Test
  void captureCopiesTheValidPartIntoTheQueuedRequest() throws Exception {
    PcmStream s = started(1, 2, FMT_S16);
    long buf = rig.rx(1, 16);
    rig.run(RX_QUEUE);
    MemorySegment mem = arena.allocate(64);
    for (int i = 0; i < 64; i++) {
      mem.set(JAVA_BYTE, i, (byte) i);
    }
    MemorySegment chunk = arena.allocate(16);
    chunk.set(JAVA_INT, 0, 8); // offset
    chunk.set(JAVA_INT, 4, 32); // size
    new PipeWireStream(s, s.params()).capture(mem, chunk);
    rig.run(RX_QUEUE);
    assertEquals(16 + 8, rig.used(RX_QUEUE).len());
    byte[] expected = new byte[16];
    for (int i = 0; i < 16; i++) {
      expected[i] = (byte) (8 + i);
    }
    assertArrayEquals(expected, rig.get(buf, 16));
  }

  @Test
  void theFormatPodCarriesTheRealFormatAndLayout() {
    byte[] pod = SpaFormat.enumFormat(new PcmParams(8192, 1024, 0, 6, FMT_S32, RATE_44100));
    java.nio.IntBuffer w = java.nio.ByteBuffer.wrap(pod).order(java.nio.ByteOrder.nativeOrder())
        .asIntBuffer();
    assertEquals(pod.length - 8, w.get(0), "object body size");
    assertEquals(SpaFormat.TYPE_OBJECT, w.get(1));
    assertEquals(0, pod.length % 8);
    int[] words = new int[w.capacity()];
    w.get(0, words);
    assertEquals(SpaFormat.AUDIO_FORMAT_S32_LE, valueOf(words, SpaFormat.FORMAT_AUDIO_FORMAT));
    assertEquals(44100, valueOf(words, SpaFormat.FORMAT_AUDIO_RATE));
    assertEquals(6, valueOf(words, SpaFormat.FORMAT_AUDIO_CHANNELS));
  }

  /** The scalar value of property {@code key}: key, flags, size, type, value. */
  private static int valueOf(int[] words, int key) {
    for (int i = 4; i + 4 < words.length; i++) {
      if (words[i] == key && words[i + 1] == 0 && words[i + 2] == 4) {
        return words[i + 4];
      }
    }
    throw new AssertionError("no property " + key);
  }
}
