// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.sound.VirtioSnd.*;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The PipeWire backend against a private PipeWire with a null sink (one daemon per class). */
class PipeWireBackendTest {
  @TempDir static Path work;
  private static PipeWireHarness harness;
  private PipeWireBackend backend;
  private SoundRig rig;

  @BeforeAll
  static void startPipeWire() throws Exception {
    String why = PipeWireHarness.unavailableReason();
    Assumptions.assumeTrue(why == null, why);
    try {
      harness = PipeWireHarness.start(work);
    } catch (java.io.IOException e) {
      // The rule: skip (with the reason) only where PipeWire cannot start at all.
      Assumptions.abort("PipeWire could not start here: " + e.getMessage());
    }
  }

  @AfterAll
  static void stopPipeWire() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  @AfterEach
  void tearDown() {
    if (rig != null) {
      rig.device.queueStopped(CONTROL_QUEUE);
      assertFalse(backend.hasLoop(), "the thread loop goes with the last stream");
      rig.close();
    }
  }

  private SoundRig rig() throws Exception {
    backend = new PipeWireBackend();
    rig = new SoundRig(backend);
    return rig;
  }

  private UsedElement awaitUsed(int q) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      rig.run(q);
      UsedElement e = rig.used(q);
      if (e != null) {
        return e;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no completion on queue " + q + harness.logs());
  }

  private void start(int id, int channels, int format) throws Exception {
    int frame = channels * sampleBytes(format);
    assertEquals(S_OK, rig.status(SoundRig.setParams(id, 480 * frame * 4, 480 * frame, 0,
        channels, format, RATE_48000)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_PREPARE, id)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_START, id)));
  }

  @Test
  void playbackIsPulledByTheGraphInEveryFormat() throws Exception {
    rig();
    for (int format : new int[] {FMT_S16, FMT_S32, FMT_U8, FMT_S24}) {
      start(0, 2, format);
      int frame = 2 * sampleBytes(format);
      long st = 0;
      for (int i = 0; i < 4; i++) {
        st = rig.tx(0, new byte[480 * frame]);
      }
      rig.run(TX_QUEUE);
      for (int i = 0; i < 4; i++) {
        assertEquals(8, awaitUsed(TX_QUEUE).len(), "format " + format);
      }
      assertEquals(S_OK, rig.u32(st));
      assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_STOP, 0)));
      assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_RELEASE, 0)));
    }
  }

  @Test
  void sixChannelsUseTheRustLayoutAndSevenAreRefused() throws Exception {
    rig();
    start(0, 6, FMT_S16);
    rig.tx(0, new byte[480 * 12]);
    rig.run(TX_QUEUE);
    assertEquals(8, awaitUsed(TX_QUEUE).len());
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_STOP, 0)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_RELEASE, 0)));
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 8192, 1024, 0, 7, FMT_S16,
        RATE_48000)), "the Rust PipeWire backend panicked here");
  }

  @Test
  void captureDeliversFramesFromTheGraph() throws Exception {
    rig();
    start(1, 2, FMT_S16);
    long buf = rig.rx(1, 1920);
    rig.run(RX_QUEUE);
    UsedElement e = awaitUsed(RX_QUEUE);
    assertTrue(e.len() > 8, "captured bytes: " + e.len());
    assertEquals(S_OK, rig.u32(buf + 1920));
  }

  @Test
  void stopPausesAndReleaseReturnsWhatWasQueued() throws Exception {
    rig();
    start(0, 2, FMT_S16);
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_STOP, 0)));
    long st = rig.tx(0, new byte[1920]);
    rig.run(TX_QUEUE);
    Thread.sleep(200);
    rig.run(TX_QUEUE);
    assertEquals(null, rig.used(TX_QUEUE), "a stopped stream plays nothing");
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_RELEASE, 0)));
    assertEquals(8, awaitUsed(TX_QUEUE).len());
    assertEquals(S_OK, rig.u32(st));
  }

  @Test
  void aPipeWireThatCannotBeReachedIsAnIoErrorNotACrash() throws Exception {
    backend = new PipeWireBackend("no-such-pipewire-remote");
    rig = new SoundRig(backend);
    assertEquals(S_OK, rig.status(SoundRig.setParams(0, 8192, 1024, 0, 2, FMT_S16, RATE_48000)));
    assertEquals(S_IO_ERR, rig.status(SoundRig.hdr(R_PCM_PREPARE, 0)));
    assertEquals(PcmState.SET_PARAMS, rig.device.stream(0).state());
  }

  @Test
  void oneSecondOfAudioTakesAboutASecondOfGraphTime() throws Exception {
    rig();
    start(0, 2, FMT_S16); // periods of 480 frames = 10 ms, 4 in flight
    long t0 = System.nanoTime();
    int sent = 0;
    for (; sent < 4; sent++) {
      rig.tx(0, new byte[1920]);
    }
    rig.run(TX_QUEUE);
    for (int done = 0; done < 100; done++) {
      awaitUsed(TX_QUEUE);
      if (sent < 100) {
        rig.tx(0, new byte[1920]);
        sent++;
        rig.run(TX_QUEUE);
      }
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    // The dummy driver clocks the graph in real time; PipeWire may pull a few quanta ahead.
    assertTrue(ms >= 800, "1 s of audio consumed in " + ms + " ms");
    assertTrue(ms < 20_000, "1 s of audio took " + ms + " ms");
  }
}
