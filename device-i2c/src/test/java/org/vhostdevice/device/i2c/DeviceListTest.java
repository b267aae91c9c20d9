// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;

/** The -l grammar and messages of the Rust daemon (and the two fixes). */
class DeviceListTest {
  private static String error(String list) {
    return assertThrows(UsageException.class, () -> DeviceList.parse(list)).getMessage();
  }

  @Test
  void numbersAndAddresses() throws Exception {
    DeviceList l = DeviceList.parse("1:4,2:32:21,5:5");
    assertEquals(List.of(new DeviceList.Adapter(1, null, List.of(4)),
        new DeviceList.Adapter(2, null, List.of(32, 21)),
        new DeviceList.Adapter(5, null, List.of(5))), l.adapters());
  }

  @Test
  void namesAreTrimmedAndNeedNotBeNumbers() throws Exception {
    DeviceList l = DeviceList.parse("i915 gmbus dpd:32:21,DPDDC-D:10:23,123asd:4");
    assertEquals("i915 gmbus dpd", l.adapters().get(0).name());
    assertEquals("DPDDC-D", l.adapters().get(1).name());
    assertEquals("123asd", l.adapters().get(2).name());
    assertEquals(List.of(10, 23), l.adapters().get(1).clients());
  }

  @Test
  void mixedIdentifiers() throws Exception {
    DeviceList l = DeviceList.parse("1:4,DPDDC-D:10,3:11");
    assertEquals(1, l.adapters().get(0).number());
    assertTrue(l.adapters().get(1).byName());
    assertEquals(3, l.adapters().get(2).number());
  }

  @Test
  void theWholeListIsTrimmed() throws Exception {
    assertEquals(List.of(4), DeviceList.parse(" 1:4 ").adapters().get(0).clients());
  }

  @Test
  void anAddressThatIsNotANumberIsAParseFailure() {
    assertEquals("Failed while parsing to integer: ParseIntError { kind: InvalidDigit }",
        error("1:4d"));
    assertEquals("Failed while parsing to integer: ParseIntError { kind: PosOverflow }",
        error("1:65536"));
    assertEquals("Failed while parsing to integer: ParseIntError { kind: Empty }", error("1:"));
  }

  @Test
  void addressesAboveSevenBitsAreRefused() {
    assertEquals("Invalid client address: 129", error("1:129"));
    // The Rust daemon accepts 128 (off by one); it is not a 7-bit address.
    assertEquals("Invalid client address: 128", error("1:128"));
  }

  @Test
  void addressesUpTo127AreAccepted() throws Exception {
    assertEquals(List.of(0, 127), DeviceList.parse("1:0:127").adapters().get(0).clients());
  }

  @Test
  void duplicateAddressInOneEntry() {
    assertEquals("Duplicate client address detected: 4", error("1:4:4"));
  }

  @Test
  void duplicateAddressAcrossAdapters() {
    assertEquals("Duplicate client address detected: 4", error("1:4,2:32:21,5:4"));
  }

  @Test
  void duplicateAdapterByNumber() {
    assertEquals("Duplicate adapter detected: adapter_no:: 1", error("1:4,1:5"));
  }

  @Test
  void duplicateAdapterByName() {
    assertEquals("Duplicate adapter detected: adapter_name: bus", error("bus:4, bus :5"));
  }

  @Test
  void anEmptyEntryIsRefusedInsteadOfBecomingAnAdapterNamedNothing() {
    assertEquals("Invalid device list `1:4,`: entry 2 names no adapter", error("1:4,"));
    assertEquals("Invalid device list `:4`: entry 1 names no adapter", error(":4"));
  }
}
