// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;

/** {@code -d KIND[,KEY=VALUE]...} parsing. */
class DeviceSpecTest {
  @Test
  void kindAndPropertiesInOrder() throws Exception {
    DeviceSpec s = DeviceSpec.parse("fake,name=foo,prop=value");
    assertEquals("fake", s.kind());
    assertEquals(DeviceProperties.of("name", "foo", "prop", "value"), s.properties());
  }

  @Test
  void aBareKindHasNoProperties() throws Exception {
    assertEquals(new DeviceSpec("dummy", DeviceProperties.of()), DeviceSpec.parse("dummy"));
  }

  @Test
  void anItemWithoutEqualsIsAUsageError() {
    UsageException e = assertThrows(UsageException.class, () -> DeviceSpec.parse("fake,name"));
    assertEquals("Invalid device fake property format: name", e.getMessage());
  }

  @Test
  void anItemWithTwoEqualsIsAUsageError() {
    assertThrows(UsageException.class, () -> DeviceSpec.parse("iio,path=a=b"));
  }

  @Test
  void anEmptyValueIsAllowed() throws Exception {
    assertEquals("", DeviceSpec.parse("fake,name=").properties().get("name"));
  }

  @Test
  void theFirstOfARepeatedKeyWins() throws Exception {
    assertEquals("a", DeviceSpec.parse("fake,name=a,name=b").properties().get("name"));
  }
}
