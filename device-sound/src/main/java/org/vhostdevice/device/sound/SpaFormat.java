// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.sound;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The SPA pod that offers PipeWire a raw audio format (an EnumFormat object with media type,
 * subtype, sample format, rate, channels and positions). libspa builds it with inline functions
 * from its headers, which FFM cannot call, so it is encoded here: every pod is a header
 * {size u32, type u32} and a body padded to 8 bytes; object properties are {key, flags, pod}.
 */
final class SpaFormat {
  private SpaFormat() {}

  static final int TYPE_ID = 3;
  static final int TYPE_INT = 4;
  static final int TYPE_ARRAY = 13;
  static final int TYPE_OBJECT = 15;
  static final int TYPE_OBJECT_FORMAT = 0x40003;
  static final int PARAM_ENUM_FORMAT = 3;
  static final int FORMAT_MEDIA_TYPE = 1;
  static final int FORMAT_MEDIA_SUBTYPE = 2;
  static final int FORMAT_AUDIO_FORMAT = 0x10001;
  static final int FORMAT_AUDIO_RATE = 0x10003;
  static final int FORMAT_AUDIO_CHANNELS = 0x10004;
  static final int FORMAT_AUDIO_POSITION = 0x10005;
  static final int MEDIA_TYPE_AUDIO = 1;
  static final int MEDIA_SUBTYPE_RAW = 1;
  static final int AUDIO_FORMAT_U8 = 0x102;
  static final int AUDIO_FORMAT_S16_LE = 0x103;
  static final int AUDIO_FORMAT_S24_32_LE = 0x107;
  static final int AUDIO_FORMAT_S32_LE = 0x10b;

  // enum spa_audio_channel
  static final int CH_MONO = 2;
  static final int CH_FL = 3;
  static final int CH_FR = 4;
  static final int CH_FC = 5;
  static final int CH_LFE = 6;
  static final int CH_RC = 11;
  static final int CH_RL = 12;
  static final int CH_RR = 13;

  /** The Rust daemon's channel layouts for 1 to 6 channels. */
  static int[] positions(int channels) {
    return switch (channels) {
      case 1 -> new int[] {CH_MONO};
      case 2 -> new int[] {CH_FL, CH_FR};
      case 3 -> new int[] {CH_FL, CH_FR, CH_LFE};
      case 4 -> new int[] {CH_FL, CH_FR, CH_FC, CH_RC};
      case 5 -> new int[] {CH_FL, CH_FR, CH_FC, CH_LFE, CH_RC};
      case 6 -> new int[] {CH_FL, CH_FR, CH_FC, CH_LFE, CH_RL, CH_RR};
      default -> throw new IllegalArgumentException(channels + " channels");
    };
  }

  static int audioFormat(int virtioFormat) {
    return switch (virtioFormat) {
      case VirtioSnd.FMT_U8 -> AUDIO_FORMAT_U8;
      case VirtioSnd.FMT_S16 -> AUDIO_FORMAT_S16_LE;
      case VirtioSnd.FMT_S24 -> AUDIO_FORMAT_S24_32_LE;
      case VirtioSnd.FMT_S32 -> AUDIO_FORMAT_S32_LE;
      default -> throw new IllegalArgumentException("format " + virtioFormat);
    };
  }

  /** The encoded EnumFormat pod for {@code p} (the real format, not always S16 as the seed). */
  static byte[] enumFormat(PcmParams p) {
    int[] pos = positions(p.channels());
    ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
    b.putInt(0).putInt(TYPE_OBJECT); // size patched below
    b.putInt(TYPE_OBJECT_FORMAT).putInt(PARAM_ENUM_FORMAT);
    propScalar(b, FORMAT_MEDIA_TYPE, TYPE_ID, MEDIA_TYPE_AUDIO);
    propScalar(b, FORMAT_MEDIA_SUBTYPE, TYPE_ID, MEDIA_SUBTYPE_RAW);
    propScalar(b, FORMAT_AUDIO_FORMAT, TYPE_ID, audioFormat(p.format()));
    propScalar(b, FORMAT_AUDIO_RATE, TYPE_INT, p.rateHz());
    propScalar(b, FORMAT_AUDIO_CHANNELS, TYPE_INT, p.channels());
    b.putInt(FORMAT_AUDIO_POSITION).putInt(0);
    int body = 8 + 4 * pos.length; // child pod header + values
    b.putInt(body).putInt(TYPE_ARRAY).putInt(4).putInt(TYPE_ID);
    for (int c : pos) {
      b.putInt(c);
    }
    pad(b, body);
    int total = b.position();
    b.putInt(0, total - 8);
    byte[] out = new byte[total];
    b.get(0, out);
    return out;
  }

  private static void propScalar(ByteBuffer b, int key, int type, int value) {
    b.putInt(key).putInt(0).putInt(4).putInt(type).putInt(value).putInt(0);
  }

  private static void pad(ByteBuffer b, int bodySize) {
    int rem = bodySize % 8;
    if (rem != 0) {
      b.put(new byte[8 - rem]);
    }
  }
}
