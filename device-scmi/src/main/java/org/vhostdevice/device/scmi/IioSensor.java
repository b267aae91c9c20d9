// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux industrial I/O (IIO) sensor read through sysfs: {@code path} is the device directory
 * (e.g. /sys/bus/iio/devices/iio:device0), {@code channel} the channel prefix (e.g. in_accel).
 * {@code <channel>_raw} makes a scalar sensor, {@code <channel>_<c>_raw} one axis per letter c.
 * A value is {@code (raw + offset) * scale}, reported as an integer times 10^exponent where the
 * exponent follows from the scale (see {@link IioScaling}).
 *
 * <p>If the device has a character device ({@code <devRoot>/<directory name>}, normally
 * /dev/iio:deviceN) and its scan_elements describe the axes, the guest can ask for update
 * notifications: the IIO buffer is enabled and every scan read from the character device becomes
 * a SENSOR_UPDATE notification.
 */
final class IioSensor extends Sensor {
  private static final Logger LOG = LoggerFactory.getLogger(IioSensor.class);
  static final String KIND = "iio";
  static final String DEFAULT_NAME = "iio";
  static final Path DEFAULT_DEV_ROOT = Path.of("/dev");
  private static final String RAW_SUFFIX = "_raw";

  /** One value of the sensor: its sysfs path without "_raw" and how to scale it. */
  record Axis(Path base, char letter, int customExponent, long resolution, IioScanType scanType,
      int scanIndex) {}

  private final Path path;
  private final String channel;
  private final Path devRoot;
  private final IioChannelUnits.Unit unit;
  private boolean scalar = true;
  private List<Axis> axes = List.of();
  /** The IIO buffer for update notifications, or null. */
  private IioBuffer buffer;
  private long[] raw = new long[0];

  IioSensor(DeviceProperties properties, Path devRoot) throws DeviceConfigException {
    super(nameOf(properties));
    this.path = Path.of(properties.get("path"));
    this.channel = properties.get("channel");
    this.devRoot = devRoot;
    this.unit = IioChannelUnits.of(channel);
  }

  private static String nameOf(DeviceProperties properties) throws DeviceConfigException {
    properties.check(List.of("path", "channel"), List.of("name"));
    return properties.get("name");
  }

  @Override
  void initialize() throws DeviceConfigException {
    List<Axis> found = new ArrayList<>();
    List<Path> entries;
    try (Stream<Path> s = Files.list(path)) {
      entries = s.toList();
    } catch (NoSuchFileException e) {
      throw new DeviceConfigException("I/O error on \"" + path + "\": No such file or directory");
    } catch (IOException | RuntimeException e) {
      throw new DeviceConfigException("I/O error on \"" + path + "\": " + e.getMessage(), e);
    }
    for (Path entry : entries) {
      register(entry, found);
    }
    if (name() == null) {
      setName(DEFAULT_NAME);
    }
    if (found.isEmpty()) {
      throw new DeviceConfigException(
          "No \"" + channel + "\" channel found in \"" + path + "\"");
    }
    found.sort(Comparator.comparing(Axis::base));
    axes = List.copyOf(found);
    raw = new long[axes.size()];
    Path fileName = path.getFileName();
    if (fileName != null) {
      buffer = IioBuffer.open(path, devRoot.resolve(fileName.toString()), axes, name());
    }
  }

  private void register(Path entry, List<Axis> found) {
    String file = entry.getFileName().toString();
    if (file.equals("name") && configuredName() == null) {
      try {
        String text = IioSysfs.readText(entry);
        if (text != null) {
          // The Rust daemon keeps the trailing newline in the name.
          setName(text);
        }
      } catch (IioReadException e) {
        LOG.warn("Error reading IIO device name: {}", e.getMessage());
      }
      return;
    }
    if (!file.startsWith(channel) || !file.endsWith(RAW_SUFFIX)
        || file.length() < channel.length() + RAW_SUFFIX.length()) {
      return;
    }
    String infix = file.substring(channel.length(), file.length() - RAW_SUFFIX.length());
    if (!infix.isEmpty() && !(infix.length() == 2 && infix.charAt(0) == '_')) {
      return;
    }
    Path base = entry.resolveSibling(file.substring(0, file.length() - RAW_SUFFIX.length()));
    char letter = infix.isEmpty() ? 'N' : Character.toUpperCase(infix.charAt(1));
    if (!infix.isEmpty()) {
      scalar = false;
    }
    found.add(axis(base, letter));
  }

  private Axis axis(Path base, char letter) {
    IioScaling.Exponent exp = IioScaling.Exponent.NONE;
    try {
      Double scale = lookupDouble(base, "scale");
      if (scale != null) {
        exp = IioScaling.exponentOf(scale, unit.exponent());
      }
    } catch (IioReadException e) {
      LOG.debug("IIO scale of {} unreadable at start: {}", base, e.getMessage());
    }
    Path scanElements = base.resolveSibling("scan_elements");
    String baseName = base.getFileName().toString();
    IioScanType type = null;
    int index = -1;
    try {
      String t = IioSysfs.readText(scanElements.resolve(baseName + "_type"));
      type = t == null ? null : IioScanType.parse(t);
      Long i = IioSysfs.readLong(scanElements.resolve(baseName + "_index"));
      index = i == null ? -1 : (int) Math.min(Integer.MAX_VALUE, Math.max(-1, i));
    } catch (IioReadException e) {
      LOG.debug("IIO scan element of {} unreadable: {}", base, e.getMessage());
    }
    return new Axis(base, letter, exp.exponent(), exp.resolution(), type, index);
  }

  @Override
  int numberOfAxes() {
    return scalar ? 0 : axes.size();
  }

  @Override
  int unit() {
    return unit.code();
  }

  @Override
  int unitExponent(int axis) {
    return unit.exponent() + axes.get(Math.min(axis, axes.size() - 1)).customExponent();
  }

  @Override
  long resolution() {
    return axes.getFirst().resolution();
  }

  /** The channel without its in_/out_ prefix, at most 15 characters, as the Rust daemon. */
  String axisNamePrefix() {
    String name = channel;
    if (name.startsWith("in_")) {
      name = name.substring(3);
    } else if (name.startsWith("out_")) {
      name = name.substring(4);
    }
    return name.length() > Words.NAME_BYTES - 1 ? name.substring(0, Words.NAME_BYTES - 1) : name;
  }

  @Override
  String axisName(int axis) {
    // Keep "_X" inside the 15 bytes of the name field; the Rust daemon panics on long names.
    String prefix = axisNamePrefix();
    int keep = Math.min(prefix.length(), Words.NAME_BYTES - 3);
    return prefix.substring(0, keep) + "_" + axes.get(axis).letter();
  }

  @Override
  int read(long[] values) {
    boolean resume = buffer != null && buffer.active();
    try {
      if (resume) {
        // sysfs _raw reads are refused (EBUSY) while the buffer runs.
        buffer.pause(true);
      }
      for (int i = 0; i < axes.size(); i++) {
        Axis a = axes.get(i);
        Long raw = IioSysfs.readLong(a.base().resolveSibling(a.base().getFileName() + RAW_SUFFIX));
        if (raw == null) {
          throw new IioReadException("IIO value file " + a.base() + RAW_SUFFIX + " not found");
        }
        values[i] = scaled(raw, a);
      }
      return ScmiStatus.SUCCESS;
    } catch (IOException e) {
      LOG.warn("{}: reading failed: {}", name(), e.getMessage());
      return ScmiStatus.GENERIC_ERROR;
    } finally {
      if (resume) {
        try {
          buffer.pause(false);
        } catch (IOException e) {
          LOG.warn("{}: cannot re-enable the IIO buffer: {}", name(), e.getMessage());
        }
      }
    }
  }

  /** (raw + offset) * scale in units of 10^exponent of the axis, rounded half away from 0. */
  long scaled(long raw, Axis a) throws IioReadException {
    double value;
    Long offset = null;
    Double fractionalOffset = null;
    try {
      offset = lookupLong(a.base(), "offset");
    } catch (IioReadException notAnInteger) {
      // IIO allows fractional offsets (e.g. in_temp_offset); the Rust daemon refuses them.
      fractionalOffset = lookupDouble(a.base(), "offset");
    }
    long sum = raw;
    if (offset != null) {
      try {
        sum = Math.addExact(raw, offset);
      } catch (ArithmeticException e) {
        throw new IioReadException("IIO offset overflow in " + a.base() + ": " + raw + " + "
            + offset);
      }
    }
    Double scale = lookupDouble(a.base(), "scale");
    if (fractionalOffset == null && scale == null) {
      return sum;
    }
    value = fractionalOffset == null ? (double) sum : sum + fractionalOffset;
    if (scale != null) {
      value = value * (scale / Math.pow(10, a.customExponent()));
    }
    return IioScaling.roundHalfAwayFromZero(value);
  }

  private Long lookupLong(Path base, String attribute) throws IioReadException {
    for (Path p : candidates(base, attribute)) {
      Long v = IioSysfs.readLong(p);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private Double lookupDouble(Path base, String attribute) throws IioReadException {
    for (Path p : candidates(base, attribute)) {
      Double v = IioSysfs.readDouble(p);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** Where an axis attribute may be: per axis, per device, per channel (Rust daemon's order). */
  private static List<Path> candidates(Path base, String attribute) {
    String b = base.getFileName().toString();
    List<Path> out = new ArrayList<>(3);
    out.add(base.resolveSibling(b + "_" + attribute));
    out.add(base.resolveSibling(attribute));
    if (b.length() > 2) {
      out.add(base.resolveSibling(b.substring(0, b.length() - 2) + "_" + attribute));
    }
    return out;
  }

  @Override
  int updateFd() {
    return buffer == null ? -1 : buffer.fd();
  }

  @Override
  int consumeUpdate(long[] values) {
    if (buffer == null) {
      return 0;
    }
    try {
      int n = buffer.readLatest(raw);
      for (int i = 0; i < n; i++) {
        values[i] = scaled(raw[i], axes.get(i));
      }
      return n;
    } catch (IOException e) {
      LOG.warn("{}: reading an update failed: {}", name(), e.getMessage());
      return 0;
    }
  }

  @Override
  int notificationsChanged(boolean on) {
    if (buffer == null || on == buffer.active()) {
      return ScmiStatus.SUCCESS;
    }
    try {
      buffer.enable(on);
      return ScmiStatus.SUCCESS;
    } catch (IOException e) {
      LOG.warn("{}: cannot {} the IIO buffer: {}", name(), on ? "enable" : "disable",
          e.getMessage());
      return ScmiStatus.GENERIC_ERROR;
    }
  }

  boolean bufferActive() {
    return buffer != null && buffer.active();
  }

  List<Axis> axes() {
    return axes;
  }

  @Override
  public void close() {
    if (buffer != null) {
      buffer.close();
      buffer = null;
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "iio(%s, %s)", path, channel);
  }
}
