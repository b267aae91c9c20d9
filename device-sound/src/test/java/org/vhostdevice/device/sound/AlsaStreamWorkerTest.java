// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.sound.VirtioSnd.*;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The ALSA stream thread against a scripted PCM: xruns, EAGAIN, failing recovery, shutdown. */
class AlsaStreamWorkerTest {
  private FakePcm pcm;
  private AlsaBackend backend;
  private SoundRig rig;

  @BeforeEach
  void setUp() throws Exception {
    pcm = new FakePcm();
    backend = new AlsaBackend(direction -> pcm);
    rig = new SoundRig(backend);
  }

  @AfterEach
  void tearDown() {
    rig.device.queueStopped(CONTROL_QUEUE);
    rig.close();
  }

  private void start() throws Exception {
    assertEquals(S_OK, rig.status(SoundRig.setParams(0, 4096, 512, 0, 2, FMT_S16, RATE_48000)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_PREPARE, 0)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_START, 0)));
  }

  private UsedElement awaitUsed() throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      rig.run(TX_QUEUE);
      UsedElement e = rig.used(TX_QUEUE);
      if (e != null) {
        return e;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no completion");
  }

  @Test
  void anXrunIsRecoveredAndNoFrameIsLost() throws Exception {
    pcm.script.add((long) -HostPcm.EPIPE);
    pcm.script.add((long) -HostPcm.EAGAIN);
    start();
    byte[] data = new byte[512];
    new java.util.Random(5).nextBytes(data);
    long st = rig.tx(0, data);
    rig.run(TX_QUEUE);
    assertEquals(8, awaitUsed().len());
    assertEquals(S_OK, rig.u32(st));
    assertEquals(1, pcm.recovers.get(), "snd_pcm_recover after the xrun");
    assertTrue(pcm.waits.get() >= 1, "EAGAIN waits for the PCM");
    assertArrayEquals(data, pcm.playedBytes());
  }

  @Test
  void aPcmThatCannotRecoverGivesTheBuffersBack() throws Exception {
    pcm.recoverResult = -5;
    for (int i = 0; i < AlsaStreamWorker.MAX_FAILED_RECOVERIES; i++) {
      pcm.script.add((long) -HostPcm.EPIPE);
    }
    start();
    long st = rig.tx(0, new byte[512]);
    rig.run(TX_QUEUE);
    assertEquals(8, awaitUsed().len());
    assertEquals(S_OK, rig.u32(st));
    assertEquals(AlsaStreamWorker.MAX_FAILED_RECOVERIES, pcm.recovers.get());
    assertEquals(0, pcm.playedBytes().length);
    assertEquals(0, rig.device.stream(0).inFlight());
  }

  @Test
  void framesArePlayedInRequestOrderAcrossTheRingWrap() throws Exception {
    start();
    byte[] expected = new byte[0];
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 6; i++) { // 6 x 512 bytes through a 4096-byte ring
        byte[] d = new byte[512];
        Arrays.fill(d, (byte) (round * 6 + i));
        expected = concat(expected, d);
        rig.tx(0, d);
      }
      rig.run(TX_QUEUE);
      for (int i = 0; i < 6; i++) {
        awaitUsed();
      }
    }
    assertArrayEquals(expected, pcm.playedBytes());
  }

  @Test
  void stopEndsTheThreadAndReleaseAndCloseFreeThePcm() throws Exception {
    start();
    assertTrue(backend.workerRunning(0));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_STOP, 0)));
    assertTrue(!backend.workerRunning(0), "a thread only while the stream runs");
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_RELEASE, 0)));
    rig.device.queueStopped(CONTROL_QUEUE);
    assertTrue(pcm.closed);
  }

  @Test
  void aRunningStreamComesBackAfterTheQueuesRestart() throws Exception {
    start();
    rig.device.queueStopped(CONTROL_QUEUE); // a paused VM: QEMU stops every queue
    assertTrue(!backend.workerRunning(0));
    rig.device.queueStarted(CONTROL_QUEUE, rig.vqs[CONTROL_QUEUE]);
    assertTrue(backend.workerRunning(0), "the guest still thinks it plays");
    long st = rig.tx(0, new byte[512]);
    rig.run(TX_QUEUE);
    assertEquals(8, awaitUsed().len());
    assertEquals(S_OK, rig.u32(st));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
