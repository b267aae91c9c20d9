// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * struct virtio_input_config (136 bytes): select u8 @0, subsel u8 @1, size u8 @2, reserved[5],
 * then a 128-byte union. The driver writes select/subsel, then reads size and the union, which
 * are computed from the event device at every read.
 */
final class InputConfig {
  private static final Logger LOG = LoggerFactory.getLogger(InputConfig.class);
  static final int SIZE = 136;
  static final int OFF_SELECT = 0;
  static final int OFF_SUBSEL = 1;
  static final int OFF_SIZE = 2;
  static final int OFF_UNION = 8;
  static final int UNION_SIZE = 128;

  static final int UNSET = 0x00;
  static final int ID_NAME = 0x01;
  static final int ID_SERIAL = 0x02;
  static final int ID_DEVIDS = 0x03;
  static final int PROP_BITS = 0x10;
  static final int EV_BITS = 0x11;
  static final int ABS_INFO = 0x12;

  static final int EV_KEY = 0x01;
  static final int EV_REL = 0x02;
  static final int EV_ABS = 0x03;
  static final int EV_MSC = 0x04;
  static final int EV_SW = 0x05;
  static final int EV_LED = 0x11;
  static final int EV_SND = 0x12;
  /** Largest ABS_* code (ABS_MAX). */
  static final int ABS_MAX = 0x3f;
  static final int ABSINFO_BYTES = 20;

  private final Evdev dev;
  private int select;
  private int subsel;

  InputConfig(Evdev dev) {
    this.dev = dev;
  }

  /**
   * Stores the bytes written at {@code offset}: byte 0 is select, byte 1 subsel, the rest is
   * read-only. One-byte writes (how a driver writes each field) work as well as whole ones.
   */
  void write(int offset, byte[] data) {
    for (int i = 0; i < data.length; i++) {
      int at = offset + i;
      if (at == OFF_SELECT) {
        select = data[i] & 0xff;
      } else if (at == OFF_SUBSEL) {
        subsel = data[i] & 0xff;
      }
    }
  }

  int select() {
    return select;
  }

  int subsel() {
    return subsel;
  }

  void reset() {
    select = 0;
    subsel = 0;
  }

  /** The structure for the current select/subsel; all zeros when there is nothing to report. */
  byte[] snapshot() {
    byte[] cfg = new byte[SIZE];
    byte[] payload;
    try {
      payload = payload();
    } catch (IOException e) {
      LOG.warn("input: {} select 0x{} subsel {} failed: {}", dev.path(),
          Integer.toHexString(select), subsel, e.getMessage());
      payload = null;
    }
    if (payload == null || payload.length == 0) {
      return cfg;
    }
    cfg[OFF_SELECT] = (byte) select;
    cfg[OFF_SUBSEL] = (byte) subsel;
    cfg[OFF_SIZE] = (byte) payload.length;
    System.arraycopy(payload, 0, cfg, OFF_UNION, payload.length);
    return cfg;
  }

  void read(int offset, byte[] dst) {
    System.arraycopy(snapshot(), offset, dst, 0, dst.length);
  }

  private byte[] payload() throws IOException {
    return switch (select) {
      case ID_NAME -> subsel == 0 ? trim(dev.name()) : null;
      case ID_SERIAL -> subsel == 0 ? trim(dev.uniq()) : null;
      case ID_DEVIDS -> subsel == 0 ? devids() : null;
      case PROP_BITS -> subsel == 0 ? bitmap(dev.propBits()) : null;
      case EV_BITS -> supportedType(subsel) ? bitmap(dev.eventBits(subsel)) : null;
      case ABS_INFO -> absInfo();
      default -> null;
    };
  }

  private static boolean supportedType(int type) {
    return switch (type) {
      case EV_KEY, EV_REL, EV_ABS, EV_MSC, EV_SW, EV_LED, EV_SND -> true;
      default -> false;
    };
  }

  private static byte[] trim(byte[] s) {
    return s.length > UNION_SIZE ? Arrays.copyOf(s, UNION_SIZE) : s;
  }

  /** bustype, vendor, product, version: le16 each, size 8. */
  private byte[] devids() throws IOException {
    Evdev.InputId id = dev.id();
    int[] v = {id.bustype(), id.vendor(), id.product(), id.version()};
    byte[] b = new byte[8];
    for (int i = 0; i < 4; i++) {
      b[2 * i] = (byte) v[i];
      b[2 * i + 1] = (byte) (v[i] >>> 8);
    }
    return b;
  }

  /** A bitmap's size is up to its last non-zero byte; an empty bitmap reports nothing. */
  private static byte[] bitmap(byte[] bits) {
    int n = bits.length;
    while (n > 0 && bits[n - 1] == 0) {
      n--;
    }
    return Arrays.copyOf(bits, n);
  }

  /** virtio_input_absinfo: min, max, fuzz, flat, res as le32, for an axis the device has. */
  private byte[] absInfo() throws IOException {
    if (subsel > ABS_MAX) {
      return null;
    }
    byte[] axes = dev.eventBits(EV_ABS);
    if ((axes[subsel / 8] & (1 << (subsel % 8))) == 0) {
      return null;
    }
    Evdev.AbsInfo a = dev.absInfo(subsel);
    int[] v = {a.min(), a.max(), a.fuzz(), a.flat(), a.resolution()};
    byte[] b = new byte[ABSINFO_BYTES];
    for (int i = 0; i < v.length; i++) {
      for (int k = 0; k < 4; k++) {
        b[4 * i + k] = (byte) (v[i] >>> (8 * k));
      }
    }
    return b;
  }
}
