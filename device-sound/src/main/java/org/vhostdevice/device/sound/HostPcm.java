// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.lang.foreign.MemorySegment;

/**
 * One opened host PCM, in the terms of alsa-lib's interleaved read/write API. {@link AlsaPcm}
 * is the real one; tests drive {@link AlsaBackend} with fakes that misbehave on purpose (xruns,
 * failing opens). Transfers return frames moved or a negative errno, as alsa-lib does.
 */
interface HostPcm extends AutoCloseable {
  int EAGAIN = 11;
  int EPIPE = 32;
  int ESTRPIPE = 86;

  /** Access, format, channels, rate (no resampling), period and buffer size in frames. */
  void configure(PcmParams params, long periodFrames, long bufferFrames) throws AudioIoException;

  void prepare() throws AudioIoException;

  void start() throws AudioIoException;

  /** Stops at once, dropping pending frames. */
  void drop();

  /** Plays (TX) or captures (RX) up to {@code frames} interleaved frames; non-blocking. */
  long transfer(MemorySegment buffer, long frames);

  /** Waits up to {@code timeoutMs} until the PCM can take or give frames; negative errno. */
  int await(int timeoutMs);

  /** snd_pcm_recover: puts the PCM back in shape after an xrun or a suspend; negative errno. */
  int recover(int error);

  /** A description of a negative error code. */
  String describe(long error);

  @Override
  void close();
}
