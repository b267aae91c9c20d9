// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Property lookup and checks, as the Rust test_device_properties / test_check_*. */
class DevicePropertiesTest {
  private final DeviceProperties props =
      DeviceProperties.of("foo", "val1", "def", "val2", "bar", "val3");

  @Test
  void getFindsPresentNamesOnly() {
    assertEquals("val3", props.get("bar"));
    assertNull(props.get("baz"));
  }

  @Test
  void missingAndExtraAreSorted() {
    assertEquals(List.of("abc", "ghi"), props.missing(List.of("abc", "def", "ghi")));
    assertEquals(List.of("bar", "foo"), props.extra(List.of("abc", "def", "ghi"), List.of()));
  }

  @Test
  void checkReportsMissingBeforeUnexpected() {
    DeviceConfigException e = assertThrows(DeviceConfigException.class,
        () -> props.check(List.of("abc", "def", "ghi"), List.of("foo", "baz")));
    assertEquals("Missing device parameters: abc, ghi", e.getMessage());
  }

  @Test
  void checkReportsUnexpected() {
    DeviceConfigException e = assertThrows(DeviceConfigException.class,
        () -> props.check(List.of("def"), List.of("foo", "baz")));
    assertEquals("Unexpected device parameters: bar", e.getMessage());
  }

  @Test
  void checkAcceptsRequiredPlusOptional() {
    assertDoesNotThrow(() -> props.check(List.of("def"), List.of("foo", "bar")));
  }
}
