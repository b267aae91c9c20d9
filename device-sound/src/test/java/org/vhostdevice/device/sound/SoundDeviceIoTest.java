// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.sound.VirtioSnd.*;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** PCM I/O with the null backend and a test clock: pacing, silence, refusals, reference counts. */
class SoundDeviceIoTest {
  private static final long MS = 1_000_000L;
  private SoundRig rig;

  @BeforeEach
  void setUp() throws Exception {
    rig = new SoundRig(new NullBackend());
  }

  @AfterEach
  void tearDown() {
    rig.close();
  }

  /** 48 kHz, stereo S16: 192 bytes per ms; periods of 10 ms. */
  private void startStream(int id) throws Exception {
    assertEquals(S_OK, rig.status(SoundRig.setParams(id, 7680, 1920, 0, 2, FMT_S16, RATE_48000)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_PREPARE, id)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_START, id)));
  }

  private void advance(long nanos) {
    rig.now.addAndGet(nanos);
  }

  @Test
  void playbackCompletesAtTheRateOfTheStream() throws Exception {
    startStream(0);
    long st1 = rig.tx(0, new byte[1920]);
    long st2 = rig.tx(0, new byte[1920]);
    long retry = rig.run(2);
    assertNull(rig.used(2), "nothing is played in zero time");
    assertEquals(10 * MS, retry, "called back when the first period is due");
    assertEquals(2, rig.device.stream(0).inFlight());
    advance(9 * MS);
    rig.run(2);
    assertNull(rig.used(2));
    advance(MS);
    assertEquals(10 * MS, rig.run(2));
    UsedElement e = rig.used(2);
    assertNotNull(e);
    assertEquals(8, e.len());
    assertEquals(S_OK, rig.u32(st1));
    assertEquals(1920, rig.u32(st1 + 4), "latency_bytes: the payload, as in the Rust daemon");
    assertNull(rig.used(2));
    advance(10 * MS);
    assertEquals(-1, rig.run(2), "nothing left: no callback");
    assertEquals(8, rig.used(2).len());
    assertEquals(S_OK, rig.u32(st2));
    assertEquals(0, rig.device.stream(0).inFlight(), "every reference was dropped");
  }

  @Test
  void captureReturnsSilenceAtTheRate() throws Exception {
    startStream(1);
    long buf = rig.rx(1, 960);
    rig.memory.write(buf, java.lang.foreign.MemorySegment.ofArray(filled(960, (byte) 0x55)));
    assertEquals(5 * MS, rig.run(3));
    assertNull(rig.used(3), "the Rust null backend never returned capture buffers");
    advance(5 * MS);
    rig.run(3);
    UsedElement e = rig.used(3);
    assertEquals(960 + 8, e.len());
    assertTrue(Arrays.equals(new byte[960], rig.get(buf, 960)), "silence");
    assertEquals(S_OK, rig.u32(buf + 960));
    assertEquals(960, rig.u32(buf + 964));
  }

  @Test
  void unsignedEightBitSilenceIsCentred() throws Exception {
    assertEquals(S_OK, rig.status(SoundRig.setParams(1, 800, 80, 0, 1, FMT_U8, RATE_8000)));
    rig.status(SoundRig.hdr(R_PCM_PREPARE, 1));
    rig.status(SoundRig.hdr(R_PCM_START, 1));
    long buf = rig.rx(1, 80);
    rig.run(3);
    advance(10 * MS);
    rig.run(3);
    assertEquals(88, rig.used(3).len());
    assertTrue(Arrays.equals(filled(80, (byte) 0x80), rig.get(buf, 80)));
  }

  private static byte[] filled(int n, byte b) {
    byte[] a = new byte[n];
    Arrays.fill(a, b);
    return a;
  }

  @Test
  void dataQueuedBeforeStartWaitsForStart() throws Exception {
    rig.status(SoundRig.setParams(0, 7680, 1920, 0, 2, FMT_S16, RATE_48000));
    rig.status(SoundRig.hdr(R_PCM_PREPARE, 0));
    rig.tx(0, new byte[1920]);
    assertEquals(-1, rig.run(2));
    advance(1000 * MS);
    rig.run(2);
    assertNull(rig.used(2), "prepared, not started: pre-buffered");
    int before = rig.wakes[2].get();
    rig.status(SoundRig.hdr(R_PCM_START, 0));
    assertTrue(rig.wakes[2].get() > before, "START wakes the TX queue");
    rig.run(2);
    advance(10 * MS);
    rig.run(2);
    assertEquals(8, rig.used(2).len());
  }

  @Test
  void releaseReturnsQueuedRequestsAtOnce() throws Exception {
    startStream(0);
    long st = rig.tx(0, new byte[1920]);
    rig.run(2);
    rig.status(SoundRig.hdr(R_PCM_STOP, 0));
    rig.status(SoundRig.hdr(R_PCM_RELEASE, 0));
    rig.run(2);
    assertEquals(8, rig.used(2).len());
    assertEquals(S_OK, rig.u32(st));
    assertEquals(0, rig.device.stream(0).inFlight());
  }

  @Test
  void ioWithAnInvalidStreamIdIsABadMessageNotAPanic() throws Exception {
    startStream(0);
    long st = rig.tx(7, new byte[4]);
    long st2 = rig.tx(1, new byte[4]); // the input stream on the TX queue
    rig.run(2);
    assertEquals(8, rig.used(2).len());
    assertEquals(S_BAD_MSG, rig.u32(st));
    assertEquals(8, rig.used(2).len());
    assertEquals(S_BAD_MSG, rig.u32(st2));
  }

  @Test
  void ioInAStateWithoutParametersIsABadMessage() throws Exception {
    long st = rig.tx(0, new byte[4]);
    rig.run(2);
    assertEquals(8, rig.used(2).len());
    assertEquals(S_BAD_MSG, rig.u32(st));
  }

  @Test
  void partialFramesAndOversizedRequestsAreBadMessages() throws Exception {
    startStream(0);
    long st = rig.tx(0, new byte[3]);
    long big = rig.tx(0, new byte[7680 + 4]);
    rig.run(2);
    rig.used(2);
    assertEquals(S_BAD_MSG, rig.u32(st));
    rig.used(2);
    assertEquals(S_BAD_MSG, rig.u32(big));
  }

  @Test
  void malformedIoChainsAreReturnedAndTheQueueGoesOn() throws Exception {
    startStream(0);
    int noStatus = rig.drivers[2].addChain(new Buffer(rig.put(new byte[8]), 8, false),
        new Buffer(rig.alloc(4), 4, true));
    rig.drivers[2].publish(noStatus);
    long st = rig.alloc(8);
    int noHeader = rig.drivers[2].addChain(new Buffer(st, 8, true));
    rig.drivers[2].publish(noHeader);
    rig.run(2);
    assertEquals(new UsedElement(noStatus, 0), rig.used(2));
    assertEquals(new UsedElement(noHeader, 8), rig.used(2));
    assertEquals(S_BAD_MSG, rig.u32(st));
  }

  @Test
  void aFullRingLeavesRequestsInTheQueueUntilSpaceFrees() throws Exception {
    startStream(0); // 7680-byte buffer: four periods
    for (int i = 0; i < 6; i++) {
      rig.tx(0, new byte[1920]);
    }
    rig.run(2);
    assertEquals(4, rig.device.stream(0).inFlight());
    assertEquals(2, rig.queues[2].pending(rig.memory), "the rest wait in the ring");
    advance(20 * MS);
    rig.run(2);
    assertNotNull(rig.used(2));
    assertNotNull(rig.used(2));
    assertEquals(4, rig.device.stream(0).inFlight(), "the waiting two were taken");
    assertEquals(0, rig.queues[2].pending(rig.memory));
  }

  @Test
  void aStoppedQueueDropsItsRequestsAndTheirReferences() throws Exception {
    startStream(0);
    rig.tx(0, new byte[1920]);
    rig.run(2);
    assertEquals(1, rig.device.stream(0).inFlight());
    rig.device.queueStopped(2);
    assertEquals(0, rig.device.stream(0).inFlight());
    assertEquals(1, rig.device.stream(0).dropped());
  }

  @Test
  void anUnderrunRestartsTheClockWithTheNextData() throws Exception {
    startStream(0);
    rig.tx(0, new byte[1920]);
    rig.run(2);
    advance(10 * MS);
    rig.run(2);
    assertNotNull(rig.used(2));
    advance(500 * MS); // nothing queued for half a second
    rig.tx(0, new byte[1920]);
    assertEquals(10 * MS, rig.run(2), "played in real time, not in a burst");
    assertNull(rig.used(2));
  }
}
