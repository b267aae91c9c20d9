// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

/**
 * One SCMI sensor: what it measures and how to read it. The protocol encoding lives in {@link
 * SensorProtocol}; a sensor only supplies values. A sensor is created per frontend connection
 * and used under the device's lock (by the command worker and by the notification loop).
 *
 * <p>Values are signed 64-bit numbers in the sensor's unit times 10^{@link #unitExponent}. A
 * scalar sensor has 0 axes and one value; a vector sensor one value per axis.
 */
abstract class Sensor implements AutoCloseable {
  /** The name given with {@code name=}, or null. */
  private final String configuredName;
  private String name;
  private int[] packedName;
  private boolean enabled;
  private boolean notifyEnabled;

  Sensor(String configuredName) {
    this.configuredName = configuredName;
    if (configuredName != null) {
      setName(configuredName);
    }
  }

  /** Finishes set-up that touches the host (directories, device nodes). */
  void initialize() throws DeviceConfigException {}

  final String configuredName() {
    return configuredName;
  }

  final void setName(String name) {
    this.name = name;
    this.packedName = Words.packName(name);
  }

  final String name() {
    return name;
  }

  final int[] packedName() {
    return packedName;
  }

  final boolean enabled() {
    return enabled;
  }

  final void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  final boolean notifyEnabled() {
    return notifyEnabled;
  }

  final void setNotifyEnabled(boolean notifyEnabled) {
    this.notifyEnabled = notifyEnabled;
  }

  /** True when the guest asked for update notifications and the sensor is enabled. */
  final boolean notifying() {
    return enabled && notifyEnabled;
  }

  /** 0 for a scalar sensor, else the number of axes. */
  abstract int numberOfAxes();

  /** How many values a reading has: one per axis, one for a scalar. */
  final int valueCount() {
    return Math.max(1, numberOfAxes());
  }

  /** The SCMI unit code ({@link SensorUnit}). */
  abstract int unit();

  /** The decimal exponent of the values of {@code axis} (axis 0 for a scalar). */
  int unitExponent(int axis) {
    return 0;
  }

  /** The resolution reported in the axis extended attributes (times 10^exponent of axis 0). */
  long resolution() {
    return 0;
  }

  /** The name of {@code axis}, e.g. "acc_X" (cut to 15 bytes when encoded). */
  abstract String axisName(int axis);

  /**
   * Reads the current values into {@code values[0 .. valueCount())}. Returns an {@link
   * ScmiStatus}: SUCCESS, or GENERIC_ERROR when the host device failed.
   */
  abstract int read(long[] values);

  /** A descriptor whose readability means the sensor has an update, or -1 for none. */
  int updateFd() {
    return -1;
  }

  /**
   * {@link #updateFd()} is readable: consume what is there (always, so a level-triggered poll
   * does not spin) and, if it carried values, put them into {@code values} and return their
   * count; 0 if there was nothing to report.
   */
  int consumeUpdate(long[] values) {
    return 0;
  }

  /**
   * The guest turned update notifications on or off (enabled and continuous-update-notify both
   * set, or not). Returns an {@link ScmiStatus}; on failure the caller restores the old state.
   */
  int notificationsChanged(boolean on) {
    return ScmiStatus.SUCCESS;
  }

  /** Releases host resources (descriptors, timers). */
  @Override
  public void close() {}
}
