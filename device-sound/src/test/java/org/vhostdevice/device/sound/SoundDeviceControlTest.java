// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vhostdevice.device.sound.VirtioSnd.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;

/** The control queue: identity, queries, PCM commands and every malformed-request path. */
class SoundDeviceControlTest {
  private SoundRig rig;

  @BeforeEach
  void setUp() throws Exception {
    rig = new SoundRig(new NullBackend());
  }

  @AfterEach
  void tearDown() {
    rig.close();
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void identityMatchesTheRustDaemon() {
    SoundDevice d = rig.device;
    assertEquals(25, d.deviceType());
    assertEquals(0x1_7100_0000L, d.features());
    assertEquals(4, d.numQueues());
    for (int q = 0; q < 4; q++) {
      assertEquals(64, d.maxQueueSize(q));
      assertEquals(0, d.workerOf(q), "one worker for all queues (queues_per_thread 0xF)");
    }
    assertEquals(16, d.configSize());
  }

  @Test
  void configCountsTwoStreamsAndTwoChannelMaps() {
    byte[] c = new byte[16];
    rig.device.readConfig(0, c);
    ByteBuffer b = le(c);
    assertEquals(0, b.getInt(0), "jacks");
    assertEquals(2, b.getInt(4), "streams");
    assertEquals(2, b.getInt(8), "chmaps: as many as CHMAP_INFO serves (Rust says 1)");
    assertEquals(0, b.getInt(12), "controls");
    byte[] partial = new byte[8];
    rig.device.readConfig(0, partial);
    assertArrayEquals(java.util.Arrays.copyOf(c, 8), partial);
  }

  @Test
  void pcmInfoDescribesBothStreams() throws Exception {
    byte[] r = rig.control(SoundRig.hdr(R_PCM_INFO, 0, 2, PCM_INFO_SIZE), 4 + 2 * PCM_INFO_SIZE);
    assertEquals(4 + 64, r.length);
    ByteBuffer b = le(r);
    assertEquals(S_OK, b.getInt(0));
    for (int i = 0; i < 2; i++) {
      int o = 4 + i * PCM_INFO_SIZE;
      assertEquals(0, b.getInt(o + PCM_INFO_FEATURES));
      assertEquals(0x28030L, b.getLong(o + PCM_INFO_FORMATS));
      assertEquals(0xFEL, b.getLong(o + PCM_INFO_RATES));
      assertEquals(i, b.get(o + PCM_INFO_DIRECTION), "0 output, 1 input");
      assertEquals(1, b.get(o + PCM_INFO_CHANNELS_MIN));
      assertEquals(6, b.get(o + PCM_INFO_CHANNELS_MAX));
    }
  }

  @Test
  void chmapInfoServesOneFrontPairPerStream() throws Exception {
    byte[] r = rig.control(SoundRig.hdr(R_CHMAP_INFO, 0, 2, CHMAP_INFO_SIZE),
        4 + 2 * CHMAP_INFO_SIZE);
    ByteBuffer b = le(r);
    assertEquals(S_OK, b.getInt(0));
    for (int i = 0; i < 2; i++) {
      int o = 4 + i * CHMAP_INFO_SIZE;
      assertEquals(i, b.get(o + CHMAP_INFO_DIRECTION));
      assertEquals(2, b.get(o + CHMAP_INFO_CHANNELS));
      assertEquals(CHMAP_FL, b.get(o + CHMAP_INFO_POSITIONS));
      assertEquals(CHMAP_FR, b.get(o + CHMAP_INFO_POSITIONS + 1));
      assertEquals(CHMAP_NONE, b.get(o + CHMAP_INFO_POSITIONS + 2));
    }
  }

  @Test
  void queriesOutsideTheItemsAreBadMessages() throws Exception {
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_INFO, 2, 0, 32)), "start = len");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_INFO, 1, 2, 32)), "start+count > len");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_INFO, 0xFFFF_FFFF, 2, 32)),
        "no unsigned overflow");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_JACK_INFO, 0, 0, 24)), "there are no jacks");
    assertEquals(S_OK, le(rig.control(SoundRig.hdr(R_PCM_INFO, 1, 1, 32), 36)).getInt(0));
  }

  @Test
  void aQueryWhoseAnswerDoesNotFitGetsOnlyABadStatus() throws Exception {
    // The Rust worker stopped here ("INFO with only a 4-byte response").
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_INFO, 0, 2, 32)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_PREPARE, 0)), "the queue keeps serving");
  }

  @Test
  void jackRemapAndUnknownCodesAreNotSupported() throws Exception {
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.hdr(R_JACK_REMAP, 0, 0, 0)));
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.hdr(0x1101)));
  }

  @Test
  void shortRequestsAreBadMessages() throws Exception {
    assertEquals(S_BAD_MSG, rig.status(new byte[] {1, 1}), "no full header");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_INFO, 0)), "query without count");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_PREPARE)), "no stream id");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_SET_PARAMS, 0, 8192)), "short body");
  }

  @Test
  void aChainWithoutRoomForAStatusIsReturnedUnusedAndTheQueueGoesOn() throws Exception {
    long req = rig.put(SoundRig.hdr(R_PCM_PREPARE, 0));
    // single descriptor; write-only first descriptor; read-only second descriptor
    int a = rig.drivers[0].addChain(new Buffer(req, 8, false));
    int b = rig.drivers[0].addChain(new Buffer(req, 8, true));
    int c = rig.drivers[0].addChain(new Buffer(req, 8, false), new Buffer(rig.alloc(4), 4, false));
    int d = rig.drivers[0].addChain(new Buffer(req, 8, false), new Buffer(rig.alloc(2), 2, true));
    for (int h : new int[] {a, b, c, d}) {
      rig.drivers[0].publish(h);
    }
    rig.run(0);
    assertEquals(new UsedElement(a, 0), rig.used(0));
    // A lone writable descriptor has no request in it: the status says so.
    assertEquals(new UsedElement(b, 4), rig.used(0));
    assertEquals(new UsedElement(c, 0), rig.used(0));
    assertEquals(new UsedElement(d, 0), rig.used(0));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_PREPARE, 0)));
  }

  @Test
  void invalidStreamIdsAreBadMessagesForEveryCommand() throws Exception {
    for (int code : new int[] {R_PCM_PREPARE, R_PCM_START, R_PCM_STOP, R_PCM_RELEASE}) {
      assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(code, 2)), requestName(code));
      assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(code, -1)), requestName(code));
    }
    assertEquals(S_BAD_MSG, rig.status(SoundRig.setParams(2, 8192, 4096, 0, 2, FMT_S16,
        RATE_48000)));
  }

  @Test
  void setParamsStoresValidParameters() throws Exception {
    assertEquals(S_OK, rig.status(SoundRig.setParams(1, 16384, 4096, 0, 2, FMT_S32, RATE_8000)));
    assertEquals(new PcmParams(16384, 4096, 0, 2, FMT_S32, RATE_8000),
        rig.device.stream(1).params());
  }

  @Test
  void unsupportedFormatRateChannelsOrFeaturesAreNotSupported() throws Exception {
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 8192, 4096, 0, 2, 19, RATE_48000)),
        "FLOAT");
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 8192, 4096, 0, 2, FMT_S16, 10)),
        "96000");
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 8192, 4096, 0, 7, FMT_S16,
        RATE_48000)), "7 channels (the Rust PipeWire backend panicked)");
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 8192, 4096, 0, 0, FMT_S16,
        RATE_48000)), "0 channels");
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 8192, 4096, 1, 2, FMT_S16,
        RATE_48000)), "features");
    assertEquals(S_NOT_SUPP, rig.status(SoundRig.setParams(0, 16 << 20, 4096, 0, 2, FMT_S16,
        RATE_48000)), "buffer beyond 8 MiB");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.setParams(0, 8192, 0, 0, 2, FMT_S16,
        RATE_48000)), "zero period");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.setParams(0, 4096, 8192, 0, 2, FMT_S16,
        RATE_48000)), "period beyond buffer");
    assertEquals(PcmParams.DEFAULT, rig.device.stream(0).params(), "nothing was stored");
  }

  @Test
  void theStateMachineIsEnforcedWithBadMessagesNotCrashes() throws Exception {
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_START, 0)), "start before prepare");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_STOP, 0)));
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_RELEASE, 0)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_PREPARE, 0)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_START, 0)));
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_START, 0)), "start twice (Rust panics)");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.setParams(0, 8192, 4096, 0, 2, FMT_S16,
        RATE_48000)), "set params while running");
    assertEquals(S_BAD_MSG, rig.status(SoundRig.hdr(R_PCM_PREPARE, 0)));
    assertEquals(PcmState.START, rig.device.stream(0).state());
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_STOP, 0)));
    assertEquals(S_OK, rig.status(SoundRig.hdr(R_PCM_RELEASE, 0)));
    assertEquals(PcmState.RELEASE, rig.device.stream(0).state());
    assertEquals(PcmState.SET_PARAMS, rig.device.stream(1).state(), "streams are independent");
  }

  @Test
  void theEventQueueKeepsItsBuffers() throws Exception {
    rig.drivers[1].publish(rig.drivers[1].addChain(new Buffer(rig.alloc(8), 8, true)));
    rig.run(1);
    assertEquals(null, rig.used(1));
  }

  @Test
  void resetReturnsStreamsToTheirInitialState() throws Exception {
    rig.status(SoundRig.setParams(0, 16384, 4096, 0, 2, FMT_S16, RATE_48000));
    rig.status(SoundRig.hdr(R_PCM_PREPARE, 0));
    rig.device.reset();
    assertEquals(PcmState.SET_PARAMS, rig.device.stream(0).state());
    assertEquals(PcmParams.DEFAULT, rig.device.stream(0).params());
  }
}
