// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.util.List;

/**
 * The SCMI sensor management protocol (0x15) over a list of sensors: the message encodings of
 * the Rust daemon, which follow SCMI 3.0 with 16-byte (non-extended) names.
 */
final class SensorProtocol {
  static final int PROTOCOL_ID = 0x15;
  static final int VERSION = 0x0;
  static final int ATTRIBUTES = 0x1;
  static final int MESSAGE_ATTRIBUTES = 0x2;
  static final int DESCRIPTION_GET = 0x3;
  static final int READING_GET = 0x6;
  static final int AXIS_DESCRIPTION_GET = 0x7;
  static final int CONFIG_GET = 0x9;
  static final int CONFIG_SET = 0xA;
  static final int CONTINUOUS_UPDATE_NOTIFY = 0xB;
  /** Notification message id. */
  static final int SENSOR_UPDATE = 0x1;

  static final int PROTOCOL_VERSION = 0x0003_0000;
  /** At most this many descriptors per DESCRIPTION_GET answer (SCMI: 256). */
  static final int MAX_DESCRIPTIONS = 256;
  /** Words of one DESCRIPTION_GET descriptor: id, attributes low/high, name. */
  static final int DESCRIPTION_WORDS = 3 + Words.NAME_WORDS;
  /** attributes_low bit 30: continuous update notifications supported. */
  static final int ATTR_UPDATE_NOTIFICATIONS = 1 << 30;
  /** attributes_high for a sensor with axes: bit 8 axes supported, bits 24:16 their number. */
  static final int ATTR_AXES_SUPPORTED = 1 << 8;
  static final int AXES_SHIFT = 16;
  /** AXIS_DESCRIPTION_GET flags: bits 11:0 axes returned, bits 31:26 axes remaining. */
  static final int REMAINING_AXES_SHIFT = 26;
  /** Axis attributes_low bit 8: extended attributes (resolution, range) present. */
  static final int AXIS_EXTENDED_ATTRIBUTES = 1 << 8;
  static final int RESOLUTION_EXPONENT_SHIFT = 27;
  static final int RESOLUTION_MASK = (1 << RESOLUTION_EXPONENT_SHIFT) - 1;
  /** "Range not reported" (SCMI): min = 0x80000000_00000000, max = 0x7FFFFFFF_FFFFFFFF. */
  static final long RANGE_MIN_UNREPORTED = Long.MIN_VALUE;
  static final long RANGE_MAX_UNREPORTED = Long.MAX_VALUE;
  static final int CONFIG_ENABLED = 1;

  private final List<Sensor> sensors;
  private final long[] values;

  SensorProtocol(List<Sensor> sensors) {
    this.sensors = List.copyOf(sensors);
    int most = 1;
    for (Sensor s : sensors) {
      most = Math.max(most, s.valueCount());
    }
    this.values = new long[most];
  }

  List<Sensor> sensors() {
    return sensors;
  }

  int maxValues() {
    return values.length;
  }

  /** Parameters of each message, or -1 for a message this daemon does not offer (answered NOT_SUPPORTED, as SCMI specifies). */
  static int parameterCount(int messageId) {
    return switch (messageId) {
      case VERSION, ATTRIBUTES -> 0;
      case MESSAGE_ATTRIBUTES, DESCRIPTION_GET, CONFIG_GET -> 1;
      case READING_GET, AXIS_DESCRIPTION_GET, CONFIG_SET, CONTINUOUS_UPDATE_NOTIFY -> 2;
      default -> -1;
    };
  }

  /**
   * Appends status and return values of {@code messageId} to {@code out}; {@code maxBytes} is the
   * room the guest gave for the whole response (DESCRIPTION_GET returns only what fits).
   */
  void handle(int messageId, int p0, int p1, Words out, int maxBytes) {
    int start = out.size();
    out.add(ScmiStatus.SUCCESS);
    int status = switch (messageId) {
      case VERSION -> add(out, PROTOCOL_VERSION);
      case ATTRIBUTES -> {
        out.add(sensors.size()); // no asynchronous commands
        out.add(0); // shared memory address low: not supported
        out.add(0); // shared memory address high
        yield add(out, 0); // shared memory length
      }
      case MESSAGE_ATTRIBUTES -> ScmiHandler.messageAttributes(PROTOCOL_ID, p0, out);
      case DESCRIPTION_GET -> descriptions(p0, out, maxBytes);
      case READING_GET -> reading(p0, p1, out);
      case AXIS_DESCRIPTION_GET -> axisDescription(p0, p1, out);
      case CONFIG_GET -> {
        Sensor s = sensor(p0);
        yield s == null ? ScmiStatus.INVALID_PARAMETERS
            : add(out, s.enabled() ? CONFIG_ENABLED : 0);
      }
      case CONFIG_SET -> configSet(p0, p1);
      case CONTINUOUS_UPDATE_NOTIFY -> updateNotify(p0, p1, out);
      default -> ScmiStatus.NOT_SUPPORTED;
    };
    if (status != ScmiStatus.SUCCESS) {
      out.truncate(start);
      out.add(status);
    }
  }

  private static int add(Words out, int value) {
    out.add(value);
    return ScmiStatus.SUCCESS;
  }

  /** The sensor with this (unsigned) index, or null. */
  private Sensor sensor(int index) {
    return Integer.compareUnsigned(index, sensors.size()) < 0 ? sensors.get(index) : null;
  }

  private int descriptions(int first, Words out, int maxBytes) {
    int n = sensors.size();
    if (Integer.compareUnsigned(first, n) >= 0) {
      return ScmiStatus.INVALID_PARAMETERS;
    }
    int fitting = (maxBytes / 4 - out.size() - 1) / DESCRIPTION_WORDS;
    // The Rust daemon always sends up to 256; with more than 4 sensors that overflows the
    // Linux driver's 128-byte messages and the guest gets COMMS_ERROR. Send what fits; the
    // driver asks again for the remaining ones.
    int count = Math.min(Math.min(n - first, MAX_DESCRIPTIONS), Math.max(1, fitting));
    int remaining = n - first - count;
    out.add(count | remaining << AXES_SHIFT);
    for (int i = first; i < first + count; i++) {
      Sensor s = sensors.get(i);
      int axes = s.numberOfAxes();
      out.add(i);
      out.add(ATTR_UPDATE_NOTIFICATIONS);
      out.add(axes > 0 ? axes << AXES_SHIFT | ATTR_AXES_SUPPORTED
          : SensorUnit.word(s.unit(), s.unitExponent(0)));
      if (!out.addName(s.packedName())) {
        return ScmiStatus.COMMS_ERROR;
      }
    }
    return ScmiStatus.SUCCESS;
  }

  private int reading(int index, int flags, Words out) {
    if (flags != 0) {
      return ScmiStatus.NOT_SUPPORTED; // asynchronous readings
    }
    Sensor s = sensor(index);
    if (s == null || !s.enabled()) {
      return ScmiStatus.INVALID_PARAMETERS;
    }
    int status = s.read(values);
    if (status != ScmiStatus.SUCCESS) {
      return status;
    }
    for (int i = 0; i < s.valueCount(); i++) {
      out.addLong(values[i]);
      out.addLong(0); // timestamp: not supported
    }
    return ScmiStatus.SUCCESS;
  }

  private int axisDescription(int index, int axis, Words out) {
    Sensor s = sensor(index);
    if (s == null) {
      return ScmiStatus.INVALID_PARAMETERS;
    }
    int axes = s.numberOfAxes();
    if (Integer.compareUnsigned(axis, axes) >= 0) {
      return ScmiStatus.INVALID_PARAMETERS;
    }
    // One axis per answer, so the answer always fits the guest's message size.
    out.add(1 | (axes - axis - 1) << REMAINING_AXES_SHIFT);
    out.add(axis);
    out.add(AXIS_EXTENDED_ATTRIBUTES);
    out.add(SensorUnit.word(s.unit(), s.unitExponent(axis)));
    out.addName(Words.packName(s.axisName(axis)));
    out.add((int) (s.resolution() & RESOLUTION_MASK)
        | (s.unitExponent(0) & 0x1F) << RESOLUTION_EXPONENT_SHIFT);
    out.addLong(RANGE_MIN_UNREPORTED);
    out.addLong(RANGE_MAX_UNREPORTED);
    return ScmiStatus.SUCCESS;
  }

  private int configSet(int index, int config) {
    Sensor s = sensor(index);
    if (s == null) {
      return ScmiStatus.INVALID_PARAMETERS;
    }
    if ((config & ~CONFIG_ENABLED) != 0) {
      return ScmiStatus.NOT_SUPPORTED;
    }
    boolean was = s.enabled();
    s.setEnabled(config != 0);
    int status = s.notificationsChanged(s.notifying());
    if (status != ScmiStatus.SUCCESS) {
      s.setEnabled(was);
    }
    return status;
  }

  private int updateNotify(int index, int flag, Words out) {
    Sensor s = sensor(index);
    if (s == null || (flag != 0 && flag != 1)) {
      return ScmiStatus.INVALID_PARAMETERS;
    }
    boolean was = s.notifyEnabled();
    s.setNotifyEnabled(flag == 1);
    int status = s.notificationsChanged(s.notifying());
    if (status != ScmiStatus.SUCCESS) {
      s.setNotifyEnabled(was);
    } else {
      // Not in the SCMI answer, but the Rust daemon echoes the flag and its tests expect it.
      out.add(flag);
    }
    return status;
  }

  /**
   * Called when sensor {@code index}'s update descriptor is readable: consumes the update and,
   * if the guest asked for notifications, appends a SENSOR_UPDATE notification to {@code out}
   * (header, agent 0, sensor id, per value: value low/high, timestamp low/high). Returns false
   * if there is nothing to send.
   */
  boolean update(int index, Words out) {
    Sensor s = sensors.get(index);
    int n = s.consumeUpdate(values);
    if (n <= 0 || !s.notifying()) {
      return false;
    }
    out.add(ScmiHandler.NOTIFICATION_HEADER);
    out.add(0); // agent id
    out.add(index);
    for (int i = 0; i < n; i++) {
      out.addLong(values[i]);
      out.addLong(0);
    }
    return true;
  }

  /** Words of the longest notification any sensor sends. */
  int maxNotificationWords() {
    return 3 + 4 * values.length;
  }

  /** Turns every sensor off (device reset): disabled, no notifications. */
  void reset() {
    for (Sensor s : sensors) {
      s.setEnabled(false);
      s.setNotifyEnabled(false);
      s.notificationsChanged(false);
    }
  }
}
