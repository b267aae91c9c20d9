// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.TimerFd;

/**
 * The fake 3-axis accelerometer (m/s², axes "acc_X/Y/Z"). Reading n reports n, n+100 and n+200,
 * with an 8-bit counter that advances with every reading and every update.
 *
 * <p>Updates come from a timer: while the guest has the sensor enabled with continuous update
 * notifications on, the sensor produces an update every {@code interval-ms} milliseconds
 * (default 1000). The Rust daemon instead watches file descriptor 1 (stdout), which panics at
 * start when stdout is a regular file and sends an update per keystroke on a terminal.
 */
final class FakeSensor extends Sensor {
  private static final Logger LOG = LoggerFactory.getLogger(FakeSensor.class);
  static final String KIND = "fake";
  static final long DEFAULT_INTERVAL_MS = 1000;
  static final int AXES = 3;
  static final int AXIS_STEP = 100;
  private static final String AXIS_PREFIX = "acc";
  private static final char[] AXIS_SUFFIX = {'X', 'Y', 'Z'};

  private final long intervalNanos;
  private TimerFd timer;
  private int counter;

  private FakeSensor(String name, long intervalMs) {
    super(name);
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
  }

  static FakeSensor create(DeviceProperties properties) throws DeviceConfigException {
    properties.check(List.of(), List.of("name", "interval-ms"));
    long interval = DEFAULT_INTERVAL_MS;
    String text = properties.get("interval-ms");
    if (text != null) {
      try {
        interval = Long.parseLong(text);
      } catch (NumberFormatException e) {
        interval = -1;
      }
      if (interval < 1 || interval > TimeUnit.DAYS.toMillis(1)) {
        throw new DeviceConfigException(
            "Invalid device parameter: interval-ms must be 1..86400000, not " + text);
      }
    }
    return new FakeSensor(properties.get("name"), interval);
  }

  @Override
  void initialize() throws DeviceConfigException {
    if (name() == null) {
      // The Rust fake sensor has no default and panics when described without a name.
      setName(KIND);
    }
    try {
      timer = TimerFd.create();
    } catch (NativeException e) {
      throw new DeviceConfigException("cannot create the update timer: " + e.getMessage(), e);
    }
  }

  @Override
  int numberOfAxes() {
    return AXES;
  }

  @Override
  int unit() {
    // m/s²: one of the two sensor types (with rad/s) the Linux SCMI IIO driver exposes.
    return SensorUnit.METERS_PER_SECOND_SQUARED;
  }

  @Override
  String axisName(int axis) {
    return AXIS_PREFIX + "_" + (axis < AXES ? AXIS_SUFFIX[axis] : 'N');
  }

  @Override
  int read(long[] values) {
    int n = counter;
    counter = (counter + 1) & 0xFF;
    for (int i = 0; i < AXES; i++) {
      values[i] = n + (long) AXIS_STEP * i;
    }
    return ScmiStatus.SUCCESS;
  }

  @Override
  int updateFd() {
    return timer == null ? -1 : timer.fd();
  }

  @Override
  int consumeUpdate(long[] values) {
    try {
      if (timer.read() == 0) {
        return 0;
      }
      if (notifying()) {
        timer.arm(intervalNanos);
      }
    } catch (NativeException e) {
      LOG.warn("fake sensor {}: timer failed: {}", name(), e.getMessage());
      return 0;
    }
    read(values);
    return AXES;
  }

  @Override
  int notificationsChanged(boolean on) {
    try {
      if (on) {
        timer.arm(intervalNanos);
      } else {
        timer.disarm();
      }
      return ScmiStatus.SUCCESS;
    } catch (NativeException e) {
      LOG.warn("fake sensor {}: timer failed: {}", name(), e.getMessage());
      return ScmiStatus.GENERIC_ERROR;
    }
  }

  long intervalNanos() {
    return intervalNanos;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.close();
      timer = null;
    }
  }
}
