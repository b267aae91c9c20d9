// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IIO sysfs sensor against a temporary sysfs tree (the Rust iio.rs tests and more). */
class IioSensorTest {
  @TempDir Path root;

  private long[] read(IioSensor s) {
    long[] v = new long[s.valueCount()];
    assertEquals(ScmiStatus.SUCCESS, s.read(v));
    return v;
  }

  @Test
  void missingChannelPropertyIsReported() {
    DeviceConfigException e = assertThrows(DeviceConfigException.class,
        () -> new IioSensor(DeviceProperties.of("path", "."), Path.of("/dev")));
    assertEquals("Missing device parameters: channel", e.getMessage());
  }

  @Test
  void extraPropertiesAreReportedSorted() {
    DeviceConfigException e = assertThrows(DeviceConfigException.class,
        () -> new IioSensor(DeviceProperties.of("path", ".", "name", "test", "channel",
            "in_accel", "foo", "something", "bar", "baz"), Path.of("/dev")));
    assertEquals("Unexpected device parameters: bar, foo", e.getMessage());
  }

  @Test
  void initializesWithAScalarChannel() throws Exception {
    IioTree t = new IioTree(root, "foo", "bar", "in_accel_raw", "123");
    try (IioSensor s = t.sensor("in_accel", "accel")) {
      s.initialize();
      assertEquals(0, s.numberOfAxes());
    }
  }

  @Test
  void aMissingDirectoryIsAnIoError() throws Exception {
    IioSensor s = new IioSensor(
        DeviceProperties.of("path", root.resolve("non-existent").toString(), "channel", ""),
        root);
    DeviceConfigException e = assertThrows(DeviceConfigException.class, s::initialize);
    assertTrue(e.getMessage().startsWith("I/O error on \"" + root.resolve("non-existent")),
        e.getMessage());
  }

  @Test
  void aMissingChannelIsReported() throws Exception {
    IioTree t = new IioTree(root, "foo", "bar");
    DeviceConfigException e = assertThrows(DeviceConfigException.class,
        () -> t.initialized("in_accel"));
    assertEquals("No \"in_accel\" channel found in \"" + t.dir + "\"", e.getMessage());
  }

  @Test
  void nameComesFromTheNameFileWithoutItsNewline() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", "123", "name", "foo\n");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals("foo", s.name());
    }
  }

  @Test
  void nameParameterWinsOverTheNameFile() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", "123", "name", "foo");
    try (IioSensor s = t.sensor("in_accel", "accel")) {
      s.initialize();
      assertEquals("accel", s.name());
    }
  }

  @Test
  void defaultNameIsIio() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", "123");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals("iio", s.name());
    }
  }

  @Test
  void unitsComeFromTheChannelTable() throws Exception {
    IioTree t = new IioTree(root, "in_foo_raw", "1", "in_accel_raw", "1", "in_voltage_raw", "1");
    assertEquals(SensorUnit.UNSPECIFIED, t.sensor("in_foo", "foo").unit());
    assertEquals(SensorUnit.METERS_PER_SECOND_SQUARED, t.sensor("in_accel", "a").unit());
    assertEquals(SensorUnit.VOLTS, t.sensor("in_voltage", "v").unit());
  }

  @Test
  void exponentFollowsTheScale() throws Exception {
    Object[][] cases = {
      {"in_accel", "1.23", 0}, {"in_accel", "0.000123", -4}, {"in_accel", "123", 2},
      {"in_voltage", "123", -1}
    };
    for (Object[] c : cases) {
      Path r = root.resolve("case" + c[1] + c[0]);
      IioTree t = new IioTree(r, c[0] + "_raw", "123", c[0] + "_scale", (String) c[1]);
      try (IioSensor s = t.initialized((String) c[0])) {
        assertEquals((int) c[2], s.unitExponent(0), c[0] + " scale " + c[1]);
      }
    }
  }

  @Test
  void eachAxisHasTheExponentOfItsOwnScale() throws Exception {
    IioTree t = new IioTree(root, "in_accel_x_raw", "123", "in_accel_x_scale", "0.123",
        "in_accel_y_raw", "123", "in_accel_y_scale", "12.3");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals(-1, s.unitExponent(0));
      assertEquals(1, s.unitExponent(1));
    }
  }

  @Test
  void aDeviceWideScaleApplies() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", "123", "scale", "0.123");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals(-1, s.unitExponent(0));
    }
  }

  @Test
  void aScalarChannelHasNoAxes() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", "123", "in_accel_scale", "123");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals(0, s.numberOfAxes());
    }
  }

  @Test
  void oneAxisFileMakesOneAxis() throws Exception {
    IioTree t = new IioTree(root, "in_accel_x_raw", "123", "in_accel_scale", "123");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals(1, s.numberOfAxes());
    }
  }

  @Test
  void threeAxisFilesMakeThreeAxes() throws Exception {
    IioTree t = new IioTree(root, "in_accel_x_raw", "1", "in_accel_y_raw", "1",
        "in_accel_z_raw", "1", "in_accel_x_scale", "123");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals(3, s.numberOfAxes());
      assertEquals("accel_Z", s.axisName(2));
    }
  }

  @Test
  void axisNamePrefixDropsInOrOutAndKeeps15Characters() throws Exception {
    String[][] cases = {
      {"in_accel", "accel"}, {"out_voltage", "voltage"}, {"foo", "foo"},
      {"name-longer-than-fifteen-characters", "name-longer-tha"}
    };
    for (String[] c : cases) {
      IioSensor s = new IioSensor(DeviceProperties.of("path", "", "channel", c[0]), root);
      assertEquals(c[1], s.axisNamePrefix());
    }
  }

  @Test
  void longAxisNamesKeepTheirAxisLetter() throws Exception {
    IioTree t = new IioTree(root, "in_magnetometerfield_x_raw", "1");
    try (IioSensor s = t.initialized("in_magnetometerfield")) {
      assertEquals("magnetometerf_X", s.axisName(0));
    }
  }

  @Test
  void scalarReadingAppliesOffsetAndScale() throws Exception {
    IioTree t = new IioTree(root, "in_voltage_raw", "9876543210", "in_voltage_offset", "123",
        "in_voltage_scale", "456");
    try (IioSensor s = t.initialized("in_voltage")) {
      // (9876543210 + 123) * 456 = 4503703759848; exponent 2 -> 45037037598 (rounded)
      assertArrayEquals(new long[] {45037037598L}, read(s));
    }
  }

  @Test
  void readingToleratesWhitespace() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", "10\n", "in_accel_offset", "20\n",
        "in_accel_scale", "0.3\n");
    try (IioSensor s = t.initialized("in_accel")) {
      assertArrayEquals(new long[] {90}, read(s));
    }
  }

  @Test
  void negativeValuesAndASharedScale() throws Exception {
    IioTree t = new IioTree(root, "in_accel_x_raw", "205\n", "in_accel_y_raw", "-392\n",
        "in_accel_z_raw", "16518\n", "in_accel_scale", "0.000598205\n");
    try (IioSensor s = t.initialized("in_accel")) {
      assertArrayEquals(new long[] {1226, -2345, 98812}, read(s));
    }
  }

  @Test
  void perAxisOffsetsAndScalesWinOverTheDeviceScale() throws Exception {
    IioTree t = new IioTree(root, "in_accel_x_raw", "10", "in_accel_x_offset", "1",
        "in_accel_y_raw", "20", "in_accel_y_offset", "10", "in_accel_z_raw", "30",
        "in_accel_z_offset", "20", "in_accel_z_scale", "0.3", "scale", "0.02");
    try (IioSensor s = t.initialized("in_accel")) {
      assertArrayEquals(new long[] {22, 60, 150}, read(s));
    }
  }

  @Test
  void aFractionalOffsetIsAccepted() throws Exception {
    IioTree t = new IioTree(root, "in_temp_raw", "100", "in_temp_offset", "0.5",
        "in_temp_scale", "10");
    try (IioSensor s = t.initialized("in_temp")) {
      // (100 + 0.5) * 10 = 1005 at exponent 1 -> 100.5 -> 101 (half away from zero)
      assertArrayEquals(new long[] {101}, read(s));
    }
  }

  @Test
  void aVanishedRawFileIsAGenericError() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", "1");
    try (IioSensor s = t.initialized("in_accel")) {
      java.nio.file.Files.delete(t.dir.resolve("in_accel_raw"));
      assertEquals(ScmiStatus.GENERIC_ERROR, s.read(new long[1]));
    }
  }

  @Test
  void anUnparsableValueIsAGenericError() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", "1");
    try (IioSensor s = t.initialized("in_accel")) {
      t.write("in_accel_raw", "twelve");
      assertEquals(ScmiStatus.GENERIC_ERROR, s.read(new long[1]));
    }
  }

  @Test
  void anOffsetOverflowIsAGenericError() throws Exception {
    IioTree t = new IioTree(root, "in_accel_raw", String.valueOf(Long.MAX_VALUE),
        "in_accel_offset", "1");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals(ScmiStatus.GENERIC_ERROR, s.read(new long[1]));
    }
  }

  @Test
  void withoutACharacterDeviceThereAreNoUpdates() throws Exception {
    IioTree t = new IioTree(root, "in_accel_x_raw", "1", "scan_elements/in_accel_x_type",
        "le:s16/16>>0\n");
    try (IioSensor s = t.initialized("in_accel")) {
      assertEquals(-1, s.updateFd());
      // Enabling a sensor without a buffer works (the Rust daemon fails it writing sysfs).
      assertEquals(ScmiStatus.SUCCESS, s.notificationsChanged(true));
    }
  }
}
