// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Epoll;

/** The fake accelerometer: values, naming, properties, and its timer-driven updates. */
class FakeSensorTest {
  private static FakeSensor fake(String... props) throws Exception {
    FakeSensor s = FakeSensor.create(DeviceProperties.of(props));
    s.initialize();
    return s;
  }

  /** Waits (bounded) until the update descriptor is readable. */
  private static boolean awaitUpdate(Sensor s, int millis) throws Exception {
    try (Epoll e = Epoll.create(1)) {
      e.add(s.updateFd(), Epoll.EPOLLIN, 1);
      return e.await(millis) == 1;
    }
  }

  @Test
  void readingsAreNAndNPlus100AndNPlus200() throws Exception {
    try (FakeSensor s = fake("name", "f")) {
      long[] v = new long[3];
      s.read(v);
      assertArrayEquals(new long[] {0, 100, 200}, v);
      s.read(v);
      assertArrayEquals(new long[] {1, 101, 201}, v);
    }
  }

  @Test
  void theCounterWrapsAfter255() throws Exception {
    try (FakeSensor s = fake()) {
      long[] v = new long[3];
      for (int i = 0; i < 256; i++) {
        s.read(v);
      }
      assertEquals(255, v[0]);
      s.read(v);
      assertEquals(0, v[0]);
    }
  }

  @Test
  void withoutANameItIsCalledFake() throws Exception {
    try (FakeSensor s = fake()) {
      assertEquals("fake", s.name());
    }
  }

  @Test
  void threeAxesInMetersPerSecondSquared() throws Exception {
    try (FakeSensor s = fake("name", "f")) {
      assertEquals(3, s.numberOfAxes());
      assertEquals(SensorUnit.METERS_PER_SECOND_SQUARED, s.unit());
      assertEquals(List.of("acc_X", "acc_Y", "acc_Z"),
          List.of(s.axisName(0), s.axisName(1), s.axisName(2)));
    }
  }

  @Test
  void unknownPropertiesAreRefused() {
    DeviceConfigException e = assertThrows(DeviceConfigException.class,
        () -> FakeSensor.create(DeviceProperties.of("name", "f", "prop", "v", "abc", "x")));
    assertEquals("Unexpected device parameters: abc, prop", e.getMessage());
  }

  @Test
  void intervalMustBeAPositiveNumber() {
    assertThrows(DeviceConfigException.class,
        () -> FakeSensor.create(DeviceProperties.of("interval-ms", "0")));
    assertThrows(DeviceConfigException.class,
        () -> FakeSensor.create(DeviceProperties.of("interval-ms", "soon")));
  }

  @Test
  void intervalSetsTheTimerPeriod() throws Exception {
    try (FakeSensor s = fake("interval-ms", "250")) {
      assertEquals(250_000_000L, s.intervalNanos());
    }
  }

  @Test
  void noUpdatesWhileNotificationsAreOff() throws Exception {
    try (FakeSensor s = fake("interval-ms", "1")) {
      assertFalse(awaitUpdate(s, 50));
      assertEquals(0, s.consumeUpdate(new long[3]));
    }
  }

  @Test
  void theTimerProducesUpdatesWhileNotifying() throws Exception {
    try (FakeSensor s = fake("interval-ms", "5")) {
      s.setEnabled(true);
      s.setNotifyEnabled(true);
      s.notificationsChanged(true);
      long[] v = new long[3];
      for (int i = 0; i < 3; i++) {
        assertTrue(awaitUpdate(s, 5000), "update " + i);
        assertEquals(3, s.consumeUpdate(v));
        assertArrayEquals(new long[] {i, i + 100, i + 200}, v);
      }
    }
  }

  @Test
  void turningNotificationsOffStopsTheTimer() throws Exception {
    try (FakeSensor s = fake("interval-ms", "20")) {
      s.setEnabled(true);
      s.setNotifyEnabled(true);
      s.notificationsChanged(true);
      s.setNotifyEnabled(false);
      s.notificationsChanged(false);
      assertFalse(awaitUpdate(s, 100));
    }
  }

  @Test
  void aNotificationCarriesAgentSensorAndFourWordsPerAxis() throws Exception {
    List<Sensor> sensors = List.of(fake("name", "a", "interval-ms", "1"),
        fake("name", "b", "interval-ms", "1"));
    try {
      SensorProtocol p = new SensorProtocol(sensors);
      for (Sensor s : sensors) {
        s.setEnabled(true);
        s.setNotifyEnabled(true);
        s.notificationsChanged(true);
      }
      for (int iteration = 0; iteration < 2; iteration++) {
        for (int id = 0; id < 2; id++) {
          assertTrue(awaitUpdate(sensors.get(id), 5000));
          Words out = new Words(p.maxNotificationWords());
          assertTrue(p.update(id, out));
          int[] expected = {0x5701, 0, id, iteration, 0, 0, 0, iteration + 100, 0, 0, 0,
              iteration + 200, 0, 0, 0};
          int[] got = new int[out.size()];
          for (int i = 0; i < got.length; i++) {
            got[i] = out.get(i);
          }
          assertArrayEquals(expected, got);
        }
      }
    } finally {
      sensors.forEach(Sensor::close);
    }
  }
}
