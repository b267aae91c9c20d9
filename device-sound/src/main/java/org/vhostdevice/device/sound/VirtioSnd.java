// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

/**
 * virtio-snd wire constants (virtio 1.2 §5.14): request codes, status codes, PCM formats and
 * rates, channel positions and the byte offsets of every structure the device reads or writes.
 * All fields are little-endian.
 */
final class VirtioSnd {
  private VirtioSnd() {}

  static final int DEVICE_ID = 25;

  // Queues.
  static final int CONTROL_QUEUE = 0;
  static final int EVENT_QUEUE = 1;
  static final int TX_QUEUE = 2;
  static final int RX_QUEUE = 3;
  static final int NUM_QUEUES = 4;
  /** The Linux driver loses elements when a larger ring fills, so the Rust daemon caps at 64. */
  static final int QUEUE_SIZE = 64;

  // Control request codes.
  static final int R_JACK_INFO = 1;
  static final int R_JACK_REMAP = 2;
  static final int R_PCM_INFO = 0x100;
  static final int R_PCM_SET_PARAMS = 0x101;
  static final int R_PCM_PREPARE = 0x102;
  static final int R_PCM_RELEASE = 0x103;
  static final int R_PCM_START = 0x104;
  static final int R_PCM_STOP = 0x105;
  static final int R_CHMAP_INFO = 0x200;

  // Status codes.
  static final int S_OK = 0x8000;
  static final int S_BAD_MSG = 0x8001;
  static final int S_NOT_SUPP = 0x8002;
  static final int S_IO_ERR = 0x8003;

  // struct virtio_snd_config (16 bytes).
  static final int CONFIG_SIZE = 16;
  static final int CONFIG_JACKS = 0;
  static final int CONFIG_STREAMS = 4;
  static final int CONFIG_CHMAPS = 8;
  static final int CONFIG_CONTROLS = 12;

  // struct virtio_snd_hdr / virtio_snd_pcm_hdr.
  static final int HDR_SIZE = 4;
  static final int PCM_HDR_SIZE = 8;
  // struct virtio_snd_query_info: hdr, start_id, count, size.
  static final int QUERY_INFO_SIZE = 16;
  // struct virtio_snd_pcm_set_params: pcm_hdr, buffer_bytes, period_bytes, features, channels,
  // format, rate, padding.
  static final int SET_PARAMS_SIZE = 24;

  // struct virtio_snd_pcm_info (32 bytes).
  static final int PCM_INFO_SIZE = 32;
  static final int PCM_INFO_FEATURES = 4;
  static final int PCM_INFO_FORMATS = 8;
  static final int PCM_INFO_RATES = 16;
  static final int PCM_INFO_DIRECTION = 24;
  static final int PCM_INFO_CHANNELS_MIN = 25;
  static final int PCM_INFO_CHANNELS_MAX = 26;

  // struct virtio_snd_chmap_info (24 bytes).
  static final int CHMAP_INFO_SIZE = 24;
  static final int CHMAP_INFO_DIRECTION = 4;
  static final int CHMAP_INFO_CHANNELS = 5;
  static final int CHMAP_INFO_POSITIONS = 6;
  static final int CHMAP_MAX_SIZE = 18;

  // struct virtio_snd_jack_info (24 bytes).
  static final int JACK_INFO_SIZE = 24;

  // struct virtio_snd_pcm_xfer (the stream id) and virtio_snd_pcm_status {status, latency_bytes}.
  static final int XFER_SIZE = 4;
  static final int PCM_STATUS_SIZE = 8;

  // Data flow directions.
  static final int D_OUTPUT = 0;
  static final int D_INPUT = 1;

  // PCM formats (enum positions; bit n of the formats mask).
  static final int FMT_U8 = 4;
  static final int FMT_S16 = 5;
  static final int FMT_S24 = 15;
  static final int FMT_S32 = 17;
  static final long SUPPORTED_FORMATS =
      (1L << FMT_U8) | (1L << FMT_S16) | (1L << FMT_S24) | (1L << FMT_S32);

  // PCM rates (enum positions; bit n of the rates mask).
  static final int RATE_8000 = 1;
  static final int RATE_11025 = 2;
  static final int RATE_16000 = 3;
  static final int RATE_22050 = 4;
  static final int RATE_32000 = 5;
  static final int RATE_44100 = 6;
  static final int RATE_48000 = 7;
  static final long SUPPORTED_RATES = 0xFEL;
  private static final int[] RATE_HZ = {
    5512, 8000, 11025, 16000, 22050, 32000, 44100, 48000, 64000, 88200, 96000, 176400, 192000,
    384000
  };

  static final int CHANNELS_MIN = 1;
  static final int CHANNELS_MAX = 6;

  // Channel positions.
  static final int CHMAP_NONE = 0;
  static final int CHMAP_FL = 3;
  static final int CHMAP_FR = 4;

  static boolean formatSupported(int format) {
    return format >= 0 && format < 64 && (SUPPORTED_FORMATS & (1L << format)) != 0;
  }

  static boolean rateSupported(int rate) {
    return rate >= 0 && rate < 64 && (SUPPORTED_RATES & (1L << rate)) != 0;
  }

  /** Frames per second of a rate enum value (only called for supported rates). */
  static int rateHz(int rate) {
    return RATE_HZ[rate];
  }

  /** Bytes per sample of a supported format; S24 travels in a 32-bit container. */
  static int sampleBytes(int format) {
    return switch (format) {
      case FMT_U8 -> 1;
      case FMT_S16 -> 2;
      case FMT_S24, FMT_S32 -> 4;
      default -> throw new IllegalArgumentException("unsupported format " + format);
    };
  }

  /** The byte value of silence: unsigned 8-bit samples are centred on 0x80. */
  static byte silence(int format) {
    return format == FMT_U8 ? (byte) 0x80 : 0;
  }

  static String requestName(int code) {
    return switch (code) {
      case R_JACK_INFO -> "VIRTIO_SND_R_JACK_INFO";
      case R_JACK_REMAP -> "VIRTIO_SND_R_JACK_REMAP";
      case R_PCM_INFO -> "VIRTIO_SND_R_PCM_INFO";
      case R_PCM_SET_PARAMS -> "VIRTIO_SND_R_PCM_SET_PARAMS";
      case R_PCM_PREPARE -> "VIRTIO_SND_R_PCM_PREPARE";
      case R_PCM_RELEASE -> "VIRTIO_SND_R_PCM_RELEASE";
      case R_PCM_START -> "VIRTIO_SND_R_PCM_START";
      case R_PCM_STOP -> "VIRTIO_SND_R_PCM_STOP";
      case R_CHMAP_INFO -> "VIRTIO_SND_R_CHMAP_INFO";
      default -> String.format("unknown request 0x%x", code);
    };
  }
}
