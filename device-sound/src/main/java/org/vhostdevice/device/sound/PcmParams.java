// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/**
 * The parameters of VIRTIO_SND_R_PCM_SET_PARAMS, validated: the format, rate and channel count
 * are ones the device offers and the sizes fit together.
 */
record PcmParams(int bufferBytes, int periodBytes, int features, int channels, int format,
    int rate) {
  /** The Rust daemon's defaults, in effect before the first SET_PARAMS. */
  static final PcmParams DEFAULT =
      new PcmParams(8192, 4096, 0, 1, VirtioSnd.FMT_S16, VirtioSnd.RATE_44100);

  /**
   * The largest buffer a stream may ask for (the Linux driver's own maximum): in-flight data is
   * held in a host ring of buffer_bytes, so this bounds what one guest can make us allocate.
   */
  static final int MAX_BUFFER_BYTES = 8 * 1024 * 1024;

  /** Checks guest-supplied parameters; the exception carries the status to answer with. */
  static PcmParams validate(int bufferBytes, int periodBytes, int features, int channels,
      int format, int rate) throws SoundException {
    if (!VirtioSnd.formatSupported(format)) {
      throw new UnsupportedParamsException("unsupported PCM format " + format);
    }
    if (!VirtioSnd.rateSupported(rate)) {
      throw new UnsupportedParamsException("unsupported PCM rate " + rate);
    }
    if (channels < VirtioSnd.CHANNELS_MIN || channels > VirtioSnd.CHANNELS_MAX) {
      throw new UnsupportedParamsException("unsupported channel count " + channels);
    }
    if (features != 0) {
      throw new UnsupportedParamsException(
          String.format("unsupported PCM features 0x%x (none are offered)", features));
    }
    if (Integer.compareUnsigned(bufferBytes, MAX_BUFFER_BYTES) > 0) {
      throw new UnsupportedParamsException("buffer of " + Integer.toUnsignedString(bufferBytes)
          + " bytes is larger than " + MAX_BUFFER_BYTES);
    }
    int frame = channels * VirtioSnd.sampleBytes(format);
    if (periodBytes <= 0 || periodBytes > bufferBytes || periodBytes % frame != 0
        || bufferBytes % frame != 0) {
      throw new BadRequestException("inconsistent sizes: buffer " + bufferBytes + ", period "
          + periodBytes + ", frame " + frame);
    }
    return new PcmParams(bufferBytes, periodBytes, features, channels, format, rate);
  }

  int frameBytes() {
    return channels * VirtioSnd.sampleBytes(format);
  }

  int rateHz() {
    return VirtioSnd.rateHz(rate);
  }

  /** Bytes per second of audio in these parameters. */
  long byteRate() {
    return (long) rateHz() * frameBytes();
  }
}
