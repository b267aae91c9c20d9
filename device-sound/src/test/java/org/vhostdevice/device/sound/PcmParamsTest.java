// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.sound.VirtioSnd.*;

import org.junit.jupiter.api.Test;

/** Defaults, supported formats and rates, sizes (the Rust protocol/stream tests). */
class PcmParamsTest {
  @Test
  void defaultsAreTheRustDaemons() {
    PcmParams p = PcmParams.DEFAULT;
    assertEquals(8192, p.bufferBytes());
    assertEquals(4096, p.periodBytes());
    assertEquals(0, p.features());
    assertEquals(1, p.channels());
    assertEquals(FMT_S16, p.format());
    assertEquals(RATE_44100, p.rate());
    assertEquals(88200, p.byteRate());
  }

  @Test
  void formatsAndRatesOffered() {
    assertEquals(0x28030L, SUPPORTED_FORMATS);
    assertTrue(formatSupported(FMT_S16));
    assertTrue(formatSupported(FMT_U8));
    assertFalse(formatSupported(3), "S8");
    assertFalse(formatSupported(-1));
    assertFalse(formatSupported(200));
    assertTrue(rateSupported(RATE_44100));
    assertTrue(rateSupported(RATE_8000));
    assertFalse(rateSupported(0), "5512");
    assertFalse(rateSupported(8), "64000");
    assertEquals(48000, rateHz(RATE_48000));
    assertEquals(11025, rateHz(RATE_11025));
  }

  @Test
  void frameSizesUseTheSampleContainers() {
    assertEquals(1, sampleBytes(FMT_U8));
    assertEquals(2, sampleBytes(FMT_S16));
    assertEquals(4, sampleBytes(FMT_S24), "24 bits in 32");
    assertEquals(4, sampleBytes(FMT_S32));
    assertEquals(24, new PcmParams(8192, 4096, 0, 6, FMT_S32, RATE_48000).frameBytes());
  }

  @Test
  void requestNamesAndUnknownCodes() {
    assertEquals("VIRTIO_SND_R_PCM_START", requestName(R_PCM_START));
    assertEquals("unknown request 0x1101", requestName(0x1101));
  }
}
