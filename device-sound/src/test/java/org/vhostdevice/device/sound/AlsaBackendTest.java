// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.sound.VirtioSnd.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/**
 * The ALSA backend on the real libasound, with ALSA_CONFIG_PATH (set by the pom) making
 * "default" a null PCM and "tofile:FILE=..." a file recorder, so no sound card is needed.
 */
class AlsaBackendTest {
  @TempDir Path dir;
  private SoundRig rig;

  @BeforeAll
  static void needsLibasound() {
    Assumptions.assumeTrue(Alsa.unavailableReason() == null, Alsa.unavailableReason());
    assertNotNull(System.getenv("ALSA_CONFIG_PATH"), "the pom points ALSA at the test config");
  }

  @AfterEach
  void tearDown() {
    if (rig != null) {
      rig.device.queueStopped(CONTROL_QUEUE); // closes PCMs and ends threads
      rig.close();
    }
  }

  private SoundRig rig(String pcmName) throws Exception {
    rig = new SoundRig(new AlsaBackend(AlsaPcm.opener(pcmName)));
    return rig;
  }

  /** Runs queue {@code q} until a request completes (the ALSA thread wakes it). */
  private UsedElement awaitUsed(int q) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      rig.run(q);
      UsedElement e = rig.used(q);
      if (e != null) {
        return e;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no completion on queue " + q);
  }

  private void start(int id, int channels, int format, int rate) throws Exception {
    int frame = channels * sampleBytes(format);
    assertEquals(S_OK, rig.status(SoundRig.setParams(id, 64 * frame * 16, 64 * frame, 0,
        channels, format, rate)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_PREPARE, id)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_START, id)));
  }

  @Test
  void validParametersOpenTheDefaultPcmForEveryFormat() throws Exception {
    rig("default");
    for (int format : new int[] {FMT_U8, FMT_S16, FMT_S24, FMT_S32}) {
      assertEquals(S_OK, rig.status(SoundRig.setParams(0, 8192, 1024, 0, 2, format, RATE_44100)),
          "format " + format);
    }
    assertEquals(S_OK, rig.status(SoundRig.setParams(1, 4800, 480, 0, 1, FMT_S16, RATE_8000)));
  }

  @Test
  void invalidRateFormatAndStreamIdAreRefusedBeforeAlsa() throws Exception {
    rig("default");
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 8192, 1024, 0, 2, 3, RATE_44100)));
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 8192, 1024, 0, 2, FMT_S16, 13)));
    assertEquals(S_BAD_MSG, rig.status(SoundRig.setParams(3, 8192, 1024, 0, 2, FMT_S16,
        RATE_44100)));
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_PREPARE, 3)));
  }

  @Test
  void invalidTransitionsAreBadMessagesAndLeaveTheStreamUsable() throws Exception {
    rig("default");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_START, 0)));
    start(0, 2, FMT_S16, RATE_48000);
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_START, 0)), "Rust panics here");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_RELEASE, 0)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_STOP, 0)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_START, 0)), "restart after stop");
    rig.tx(0, new byte[256]);
    assertEquals(8, awaitUsed(TX_QUEUE).len());
  }

  @Test
  void theWorkerPlaysQueuedFramesAndReleasesItsReferences() throws Exception {
    rig("default");
    start(0, 2, FMT_S16, RATE_48000);
    long st = 0;
    for (int i = 0; i < 8; i++) {
      st = rig.tx(0, new byte[256]);
    }
    rig.run(TX_QUEUE);
    int done = 0;
    while (done < 8) {
      awaitUsed(TX_QUEUE);
      done++;
    }
    assertEquals(S_OK, rig.u32(st));
    assertEquals(0, rig.device.stream(0).inFlight());
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_STOP, 0)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_RELEASE, 0)));
  }

  @Test
  void captureFromTheNullPcmIsSilence() throws Exception {
    rig("default");
    start(1, 2, FMT_S16, RATE_48000);
    long buf = rig.rx(1, 512);
    rig.memory.write(buf, java.lang.foreign.MemorySegment.ofArray(filled(512, (byte) 0x33)));
    rig.run(RX_QUEUE);
    UsedElement e = awaitUsed(RX_QUEUE);
    assertEquals(512 + 8, e.len());
    assertArrayEquals(new byte[512], rig.get(buf, 512));
    assertEquals(S_OK, rig.u32(buf + 512));
  }

  @Test
  void theFilePcmRecordsExactlyTheBytesPlayed() throws Exception {
    Path out = dir.resolve("played.raw");
    rig("tofile:FILE=" + out);
    start(0, 2, FMT_S16, RATE_48000);
    byte[] all = new byte[4096];
    new java.util.Random(11).nextBytes(all);
    for (int i = 0; i < 4; i++) {
      rig.tx(0, Arrays.copyOfRange(all, i * 1024, (i + 1) * 1024));
    }
    rig.run(TX_QUEUE);
    for (int i = 0; i < 4; i++) {
      awaitUsed(TX_QUEUE);
    }
    rig.device.queueStopped(CONTROL_QUEUE); // closing the PCM flushes the file
    assertArrayEquals(all, Files.readAllBytes(out));
  }

  @Test
  void aPcmThatCannotBeOpenedIsAnIoError() throws Exception {
    rig("no_such_pcm_anywhere");
    assertEquals(S_IO_ERR, rig.status(SoundRig.setParams(0, 8192, 1024, 0, 2, FMT_S16,
        RATE_44100)));
    assertEquals(PcmState.SET_PARAMS, rig.device.stream(0).state());
    assertEquals(S_IO_ERR, rig.status(SoundRig.hdr(R_PCM_PREPARE, 0)));
    assertEquals(PcmState.SET_PARAMS, rig.device.stream(0).state(), "state unchanged");
  }

  @Test
  void closeEndsTheStreamThread() throws Exception {
    AlsaBackend backend = new AlsaBackend(AlsaPcm.opener("default"));
    rig = new SoundRig(backend);
    start(0, 1, FMT_S16, RATE_8000);
    assertTrue(backend.workerRunning(0));
    rig.device.queueStopped(CONTROL_QUEUE);
    assertFalse(backend.workerRunning(0));
    assertFalse(Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("alsa-stream-0") && t.isAlive()));
  }

  @Test
  void anUnknownPcmNameFailsTheOpenWithTheAlsaMessage() {
    AudioIoException e = assertThrows(AudioIoException.class,
        () -> AlsaPcm.open("no_such_pcm_anywhere", D_OUTPUT));
    assertTrue(e.getMessage().startsWith("snd_pcm_open(no_such_pcm_anywhere) failed: "),
        e.getMessage());
  }

  private static byte[] filled(int n, byte b) {
    byte[] a = new byte[n];
    Arrays.fill(a, b);
    return a;
  }
}
