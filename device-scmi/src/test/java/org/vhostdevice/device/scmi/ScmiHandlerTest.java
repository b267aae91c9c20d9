// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.scmi.Scmi.ask;
import static org.vhostdevice.device.scmi.Scmi.expect;
import static org.vhostdevice.device.scmi.ScmiHandler.BASE_PROTOCOL_ID;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The base protocol and the dispatch rules, with two fake sensors (the Rust tests' setup). */
class ScmiHandlerTest {
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

  @Test
  void baseVersionIs2_0() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 0, 0, 0x20000), ask(h, BASE_PROTOCOL_ID, 0));
  }

  @Test
  void baseProtocolAttributesCountOneProtocolBesidesBase() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 1, 0, 1), ask(h, BASE_PROTOCOL_ID, 1));
  }

  @Test
  void baseMessageAttributesOfAnImplementedMessageIsZero() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 2, 0, 0), ask(h, BASE_PROTOCOL_ID, 2, 3));
  }

  @Test
  void baseMessageAttributesOfAnUnimplementedMessageIsNotFound() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 2, ScmiStatus.NOT_FOUND),
        ask(h, BASE_PROTOCOL_ID, 2, 4));
  }

  @Test
  void baseMessageAttributesAbove255IsInvalid() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 2, ScmiStatus.INVALID_PARAMETERS),
        ask(h, BASE_PROTOCOL_ID, 2, 0x100));
  }

  @Test
  void baseDiscoverVendorIsRustVmm() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 3, 0, "rust-vmm"), ask(h, BASE_PROTOCOL_ID, 3));
  }

  @Test
  void baseImplementationVersionIsZero() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 5, 0, 0), ask(h, BASE_PROTOCOL_ID, 5));
  }

  @Test
  void baseListProtocolsNamesTheSensorProtocol() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 6, 0, 1, 0x15), ask(h, BASE_PROTOCOL_ID, 6, 0));
  }

  @Test
  void baseListProtocolsAfterSkippingAllIsEmpty() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 6, 0, 0), ask(h, BASE_PROTOCOL_ID, 6, 1));
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 6, 0, 0), ask(h, BASE_PROTOCOL_ID, 6, -1));
  }

  @Test
  void unknownBaseMessageIsNotSupported() {
    assertArrayEquals(expect(BASE_PROTOCOL_ID, 4, ScmiStatus.NOT_SUPPORTED),
        ask(h, BASE_PROTOCOL_ID, 4));
  }

  @Test
  void unknownProtocolIsNotSupported() {
    assertArrayEquals(expect(0x14, 0, ScmiStatus.NOT_SUPPORTED), ask(h, 0x14, 0));
  }

  @Test
  void nonCommandMessageTypeIsNotSupported() {
    Words out = new Words(8);
    int header = ScmiHeader.of(BASE_PROTOCOL_ID, 0, ScmiHeader.TYPE_NOTIFICATION, 5);
    h.handle(header, 0, 0, out, 4096);
    assertEquals(2, out.size());
    assertEquals(header, out.get(0));
    assertEquals(ScmiStatus.NOT_SUPPORTED, out.get(1));
  }

  @Test
  void theTokenIsEchoedInTheResponseHeader() {
    Words out = new Words(8);
    int header = ScmiHeader.of(BASE_PROTOCOL_ID, 0, ScmiHeader.TYPE_COMMAND, 0x155);
    h.handle(header, 0, 0, out, 4096);
    assertEquals(header, out.get(0));
  }

  @Test
  void parameterCountsFollowTheMessageTable() {
    assertEquals(1, ScmiHandler.parameterCount(BASE_PROTOCOL_ID, 6));
    assertEquals(0, ScmiHandler.parameterCount(BASE_PROTOCOL_ID, 0));
    assertEquals(-1, ScmiHandler.parameterCount(BASE_PROTOCOL_ID, 4));
    assertEquals(2, ScmiHandler.parameterCount(0x15, 6));
    assertEquals(1, ScmiHandler.parameterCount(0x15, 9));
    assertEquals(-1, ScmiHandler.parameterCount(0x15, 5));
    assertEquals(-1, ScmiHandler.parameterCount(0x99, 0));
  }

  @Test
  void maxResponseHoldsAFullDescriptionAnswer() {
    assertTrue(h.maxResponseWords() >= 3 + 2 * SensorProtocol.DESCRIPTION_WORDS);
  }
}
