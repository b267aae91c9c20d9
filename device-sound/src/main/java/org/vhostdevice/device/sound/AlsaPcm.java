// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vhostdevice.device.sound.Alsa.Calls;

/**
 * A libasound PCM opened non-blocking, so the stream's thread never sits in a write or read it
 * cannot leave: it waits in {@code snd_pcm_wait} with a timeout instead and sees a stop at once.
 */
final class AlsaPcm implements HostPcm {
  private final String name;
  private final int direction;
  private MemorySegment pcm;

  private AlsaPcm(String name, int direction, MemorySegment pcm) {
    this.name = name;
    this.direction = direction;
    this.pcm = pcm;
  }

  /** An opener for the PCM called {@code name} ("default" in the daemon). */
  static HostPcmOpener opener(String name) {
    return direction -> open(name, direction);
  }

  static AlsaPcm open(String name, int direction) throws AudioIoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      int stream = direction == VirtioSnd.D_OUTPUT ? Alsa.STREAM_PLAYBACK : Alsa.STREAM_CAPTURE;
      int r = (int) Calls.OPEN.invokeExact(out, a.allocateFrom(name), stream, Alsa.NONBLOCK);
      Alsa.check("snd_pcm_open(" + name + ")", r);
      return new AlsaPcm(name, direction, out.get(ADDRESS, 0));
    } catch (AudioIoException e) {
      throw e;
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    }
  }

  private static int alsaFormat(int virtioFormat) {
    return switch (virtioFormat) {
      case VirtioSnd.FMT_U8 -> Alsa.FORMAT_U8;
      case VirtioSnd.FMT_S16 -> Alsa.FORMAT_S16_LE;
      case VirtioSnd.FMT_S24 -> Alsa.FORMAT_S24_LE;
      case VirtioSnd.FMT_S32 -> Alsa.FORMAT_S32_LE;
      default -> throw new IllegalArgumentException("format " + virtioFormat);
    };
  }

  @Override
  public void configure(PcmParams p, long periodFrames, long bufferFrames)
      throws AudioIoException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment holder = a.allocate(ADDRESS);
      Alsa.check("snd_pcm_hw_params_malloc", (int) Calls.HW_MALLOC.invokeExact(holder));
      MemorySegment hw = holder.get(ADDRESS, 0);
      try {
        Alsa.check("snd_pcm_hw_params_any", (int) Calls.HW_ANY.invokeExact(pcm, hw));
        Alsa.check("snd_pcm_hw_params_set_access",
            (int) Calls.HW_ACCESS.invokeExact(pcm, hw, Alsa.ACCESS_RW_INTERLEAVED));
        Alsa.check("snd_pcm_hw_params_set_format",
            (int) Calls.HW_FORMAT.invokeExact(pcm, hw, alsaFormat(p.format())));
        Alsa.check("snd_pcm_hw_params_set_channels",
            (int) Calls.HW_CHANNELS.invokeExact(pcm, hw, p.channels()));
        Alsa.check("snd_pcm_hw_params_set_rate_resample",
            (int) Calls.HW_RESAMPLE.invokeExact(pcm, hw, 0));
        MemorySegment rate = a.allocateFrom(JAVA_INT, p.rateHz());
        MemorySegment dir = a.allocateFrom(JAVA_INT, 0);
        Alsa.check("snd_pcm_hw_params_set_rate_near",
            (int) Calls.HW_RATE_NEAR.invokeExact(pcm, hw, rate, dir));
        MemorySegment period = a.allocateFrom(JAVA_LONG, periodFrames);
        Alsa.check("snd_pcm_hw_params_set_period_size_near",
            (int) Calls.HW_PERIOD_NEAR.invokeExact(pcm, hw, period, dir));
        MemorySegment buffer = a.allocateFrom(JAVA_LONG, bufferFrames);
        Alsa.check("snd_pcm_hw_params_set_buffer_size_near",
            (int) Calls.HW_BUFFER_NEAR.invokeExact(pcm, hw, buffer));
        Alsa.check("snd_pcm_hw_params(" + name + ")", (int) Calls.HW_PARAMS.invokeExact(pcm, hw));
      } finally {
        Calls.HW_FREE.invokeExact(hw);
      }
    } catch (AudioIoException e) {
      throw e;
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    }
  }

  @Override
  public void prepare() throws AudioIoException {
    try {
      Alsa.check("snd_pcm_prepare", (int) Calls.PREPARE.invokeExact(pcm));
    } catch (AudioIoException e) {
      throw e;
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    }
  }

  @Override
  public void start() throws AudioIoException {
    try {
      int state = (int) Calls.STATE.invokeExact(pcm);
      if (state == Alsa.STATE_RUNNING) {
        return;
      }
      if (state != Alsa.STATE_PREPARED) {
        prepare();
      }
      // Playback starts by itself with the first frames written (an empty start is an xrun).
      if (direction == VirtioSnd.D_INPUT) {
        Alsa.check("snd_pcm_start", (int) Calls.START.invokeExact(pcm));
      }
    } catch (AudioIoException e) {
      throw e;
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    }
  }

  @Override
  public void drop() {
    try {
      int ignored = (int) Calls.DROP.invokeExact(pcm);
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    }
  }

  @Override
  public long transfer(MemorySegment buffer, long frames) {
    try {
      return direction == VirtioSnd.D_OUTPUT
          ? (long) Calls.WRITEI.invokeExact(pcm, buffer, frames)
          : (long) Calls.READI.invokeExact(pcm, buffer, frames);
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    }
  }

  @Override
  public int await(int timeoutMs) {
    try {
      return (int) Calls.WAIT.invokeExact(pcm, timeoutMs);
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    }
  }

  @Override
  public int recover(int error) {
    try {
      return (int) Calls.RECOVER.invokeExact(pcm, error, 1);
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    }
  }

  @Override
  public String describe(long error) {
    return Alsa.strerror((int) error);
  }

  @Override
  public void close() {
    if (pcm == null) {
      return;
    }
    try {
      int ignored = (int) Calls.CLOSE.invokeExact(pcm);
    } catch (Throwable t) {
      throw Alsa.unexpected(t);
    } finally {
      pcm = null;
    }
  }
}
