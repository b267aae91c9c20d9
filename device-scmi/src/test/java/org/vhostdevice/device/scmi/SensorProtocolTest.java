// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.scmi.Scmi.ask;
import static org.vhostdevice.device.scmi.Scmi.expect;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sensor management protocol messages with two fake sensors, mirroring the Rust tests. */
class SensorProtocolTest {
  private static final int P = SensorProtocol.PROTOCOL_ID;
  private static final int OK = ScmiStatus.SUCCESS;
  private List<Sensor> sensors;
  private ScmiHandler h;

  @BeforeEach
  void setUp() throws Exception {
    sensors = Scmi.fakes(2);
    h = new ScmiHandler(sensors);
  }

  @AfterEach
  void tearDown() {
    sensors.forEach(Sensor::close);
  }

  private void enable(int sensor, int on) {
    assertArrayEquals(expect(P, 0xA, OK), ask(h, P, 0xA, sensor, on));
  }

  private void assertEnabled(int sensor, int flag) {
    assertArrayEquals(expect(P, 9, OK, flag), ask(h, P, 9, sensor));
  }

  private void notify(int sensor, int flag) {
    assertArrayEquals(expect(P, 0xB, OK, flag), ask(h, P, 0xB, sensor, flag));
  }

  @Test
  void versionIs3_0() {
    assertArrayEquals(expect(P, 0, OK, 0x30000), ask(h, P, 0));
  }

  @Test
  void attributesCountTheSensors() {
    assertArrayEquals(expect(P, 1, OK, 2, 0, 0, 0), ask(h, P, 1));
  }

  @Test
  void messageAttributesOfImplementedMessageIsZero() {
    assertArrayEquals(expect(P, 2, OK, 0), ask(h, P, 2, 3));
  }

  @Test
  void messageAttributesOfUnimplementedMessageIsNotFound() {
    assertArrayEquals(expect(P, 2, ScmiStatus.NOT_FOUND), ask(h, P, 2, 5));
  }

  @Test
  void messageAttributesAbove255IsInvalid() {
    assertArrayEquals(expect(P, 2, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 2, 0x100));
  }

  @Test
  void descriptionFromTheFirstSensorListsBoth() {
    int high = 3 << 16 | 1 << 8;
    assertArrayEquals(expect(P, 3, OK, 2, 0, 1 << 30, high, "fake0", 1, 1 << 30, high, "fake1"),
        ask(h, P, 3, 0));
  }

  @Test
  void descriptionFromTheSecondSensorListsOne() {
    assertArrayEquals(expect(P, 3, OK, 1, 1, 1 << 30, 3 << 16 | 1 << 8, "fake1"),
        ask(h, P, 3, 1));
  }

  @Test
  void descriptionBeyondTheLastSensorIsInvalid() {
    assertArrayEquals(expect(P, 3, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 3, 2));
  }

  @Test
  void descriptionReturnsOnlyWhatFitsAndCountsTheRest() throws Exception {
    List<Sensor> many = Scmi.fakes(6);
    try {
      ScmiHandler six = new ScmiHandler(many);
      // The Linux driver's responses hold 136 bytes: 4 descriptors of 28 bytes after 12.
      int[] w = Scmi.askWithRoom(six, 136, P, 3, 0);
      assertEquals(3 + 4 * 7, w.length);
      assertEquals(4 | 2 << 16, w[2]);
      int[] rest = Scmi.askWithRoom(six, 136, P, 3, 4);
      assertEquals(2, rest[2]);
    } finally {
      many.forEach(Sensor::close);
    }
  }

  @Test
  void axisDescriptionsOfTheThreeAxes() {
    for (int axis = 0; axis < 3; axis++) {
      int flags = 1 | (3 - axis - 1) << 26;
      String name = "acc_" + (char) ('X' + axis);
      assertArrayEquals(expect(P, 7, OK, flags, axis, 1 << 8, 89, name, 0, 0,
          0x8000_0000, -1, 0x7FFF_FFFF), ask(h, P, 7, 0, axis), "axis " + axis);
    }
  }

  @Test
  void axisDescriptionOfAFourthAxisIsInvalid() {
    assertArrayEquals(expect(P, 7, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 7, 0, 3));
  }

  @Test
  void axisDescriptionOfAnUnknownSensorIsInvalid() {
    assertArrayEquals(expect(P, 7, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 7, 2, 0));
  }

  @Test
  void sensorsStartDisabled() {
    assertEnabled(0, 0);
  }

  @Test
  void configSetEnablesAndDisablesEachSensorOnItsOwn() {
    enable(0, 1);
    assertEnabled(0, 1);
    assertEnabled(1, 0);
    enable(1, 1);
    assertEnabled(1, 1);
    enable(0, 1);
    assertEnabled(0, 1);
    enable(0, 0);
    assertEnabled(0, 0);
  }

  @Test
  void configSetWithOtherBitsIsNotSupported() {
    assertArrayEquals(expect(P, 0xA, ScmiStatus.NOT_SUPPORTED), ask(h, P, 0xA, 0, 3));
    assertEnabled(0, 0);
  }

  @Test
  void configOfAnUnknownSensorIsInvalid() {
    assertArrayEquals(expect(P, 9, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 9, 7));
    assertArrayEquals(expect(P, 0xA, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 0xA, 7, 1));
  }

  @Test
  void continuousUpdateNotifyEchoesTheFlag() {
    notify(0, 1);
    assertTrue(sensors.get(0).notifyEnabled());
    notify(0, 0);
    assertFalse(sensors.get(0).notifyEnabled());
  }

  @Test
  void continuousUpdateNotifyWithAnotherValueIsInvalid() {
    assertArrayEquals(expect(P, 0xB, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 0xB, 0, 2));
  }

  @Test
  void readingsAdvancePerSensor() {
    enable(0, 1);
    enable(1, 1);
    for (int iteration = 0; iteration < 2; iteration++) {
      for (int sensor = 0; sensor < 2; sensor++) {
        assertArrayEquals(expect(P, 6, OK, (long) iteration, 0L, iteration + 100L, 0L,
            iteration + 200L, 0L), ask(h, P, 6, sensor, 0));
      }
    }
  }

  @Test
  void readingOfADisabledSensorIsInvalid() {
    assertArrayEquals(expect(P, 6, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 6, 0, 0));
  }

  @Test
  void asynchronousReadingIsNotSupported() {
    enable(0, 1);
    assertArrayEquals(expect(P, 6, ScmiStatus.NOT_SUPPORTED), ask(h, P, 6, 0, 1));
  }

  @Test
  void readingOfAnUnknownSensorIsInvalid() {
    assertArrayEquals(expect(P, 6, ScmiStatus.INVALID_PARAMETERS), ask(h, P, 6, -1, 0));
  }

  @Test
  void zeroSensorsAnswerAttributesAndRefuseDescriptions() {
    ScmiHandler none = new ScmiHandler(List.of());
    assertArrayEquals(expect(P, 1, OK, 0, 0, 0, 0), ask(none, P, 1));
    assertArrayEquals(expect(P, 3, ScmiStatus.INVALID_PARAMETERS), ask(none, P, 3, 0));
  }

  @Test
  void resetDisablesEverySensor() {
    enable(0, 1);
    notify(0, 1);
    h.sensors().reset();
    assertEnabled(0, 0);
    assertFalse(sensors.get(0).notifyEnabled());
  }
}
