// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The native boundary to alsa-lib (libasound.so.2, Debian's libasound2): the PCM calls the
 * backend needs, linked once. alsa-lib reports errors as negative errno return values (it does
 * not set errno), so callers check results and turn them into {@link AudioIoException}s with
 * {@link #strerror}.
 */
final class Alsa {
  private Alsa() {}

  static final int STREAM_PLAYBACK = 0;
  static final int STREAM_CAPTURE = 1;
  static final int NONBLOCK = 1;
  static final int ACCESS_RW_INTERLEAVED = 3;
  static final int FORMAT_U8 = 1;
  static final int FORMAT_S16_LE = 2;
  static final int FORMAT_S24_LE = 6;
  static final int FORMAT_S32_LE = 10;
  static final int STATE_PREPARED = 2;
  static final int STATE_RUNNING = 3;

  private static final Linker LINKER = Linker.nativeLinker();

  /** Lazily linked, so that the null backend never needs libasound. */
  static final class Calls {
    private static final SymbolLookup LIB =
        SymbolLookup.libraryLookup("libasound.so.2", Arena.global());

    private static MethodHandle link(String name, FunctionDescriptor d) {
      return LINKER.downcallHandle(
          LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libasound has no " + name)),
          d);
    }

    static final MethodHandle OPEN =
        link("snd_pcm_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle CLOSE = link("snd_pcm_close", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle HW_MALLOC =
        link("snd_pcm_hw_params_malloc", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle HW_FREE =
        link("snd_pcm_hw_params_free", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle HW_ANY =
        link("snd_pcm_hw_params_any", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle HW_ACCESS = link("snd_pcm_hw_params_set_access",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle HW_FORMAT = link("snd_pcm_hw_params_set_format",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle HW_CHANNELS = link("snd_pcm_hw_params_set_channels",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle HW_RESAMPLE = link("snd_pcm_hw_params_set_rate_resample",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static final MethodHandle HW_RATE_NEAR = link("snd_pcm_hw_params_set_rate_near",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle HW_PERIOD_NEAR = link("snd_pcm_hw_params_set_period_size_near",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle HW_BUFFER_NEAR = link("snd_pcm_hw_params_set_buffer_size_near",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle HW_PARAMS =
        link("snd_pcm_hw_params", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle PREPARE =
        link("snd_pcm_prepare", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle START = link("snd_pcm_start", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle DROP = link("snd_pcm_drop", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle STATE = link("snd_pcm_state", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle WRITEI = link("snd_pcm_writei",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    static final MethodHandle READI = link("snd_pcm_readi",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    static final MethodHandle WAIT =
        link("snd_pcm_wait", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RECOVER = link("snd_pcm_recover",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle STRERROR =
        link("snd_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
  }

  /** Why the ALSA backend cannot work here, or null if libasound links. */
  static String unavailableReason() {
    try {
      Calls.OPEN.type(); // forces linking
      return null;
    } catch (LinkageError | IllegalArgumentException e) {
      return "libasound.so.2 cannot be loaded (install Debian's libasound2): " + e.getMessage();
    }
  }

  static String strerror(int error) {
    try {
      MemorySegment s = (MemorySegment) Calls.STRERROR.invokeExact(error);
      return s.reinterpret(4096).getString(0);
    } catch (Throwable t) {
      return "error " + error;
    }
  }

  /** Turns a negative alsa-lib result into an exception naming the call. */
  static int check(String call, int result) throws AudioIoException {
    if (result < 0) {
      throw new AudioIoException(call + " failed: " + strerror(result));
    }
    return result;
  }

  static AssertionError unexpected(Throwable t) {
    return new AssertionError("alsa-lib downcall failed unexpectedly", t);
  }
}
