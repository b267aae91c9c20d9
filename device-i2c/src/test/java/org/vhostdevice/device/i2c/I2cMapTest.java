// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.NativeException;

/** Building the adapter map and routing a transfer by its first address. */
class I2cMapTest {
  private final List<ProgrammableBus> opened = new ArrayList<>();

  private I2cMap open(String list) throws Exception {
    return I2cMap.open(DeviceList.parse(list), cfg -> {
      ProgrammableBus b = new ProgrammableBus((int) cfg.number());
      opened.add(b);
      return b;
    });
  }

  @Test
  void adaptersKeepTheListOrderAndEachAddressItsAdapter() throws Exception {
    I2cMap map = open("1:4,2:32:21,5:10:23");
    assertEquals(List.of(1, 2, 5), map.adapters().stream().map(a -> a.bus().busNumber()).toList());
    assertEquals(0, map.adapterIndexOf(4));
    assertEquals(1, map.adapterIndexOf(32));
    assertEquals(1, map.adapterIndexOf(21));
    assertEquals(2, map.adapterIndexOf(23));
    assertEquals(-1, map.adapterIndexOf(5));
    assertEquals(List.of(32, 21), opened.get(1).selected, "every client is probed at start");
  }

  @Test
  void aTransferGoesToTheAdapterOfItsFirstAddress() throws Exception {
    I2cMap map = open("1:4,2:32");
    I2cMessages m = new I2cMessages(4);
    m.add(32, 0, 1);
    map.transfer(m);
    assertEquals(1, opened.get(1).transfers);
    assertEquals(0, opened.get(0).transfers);
    assertEquals(32, opened.get(1).selected.get(opened.get(1).selected.size() - 1));
  }

  @Test
  void anUnknownAddressIsRefusedQuietly() throws Exception {
    I2cMap map = open("1:4");
    I2cMessages m = new I2cMessages(4);
    m.add(0x33, 0, 1);
    assertEquals("Invalid Client Address: 51",
        assertThrows(UnknownClientException.class, () -> map.transfer(m)).getMessage());
  }

  @Test
  void aClientOwnedByAHostDriverFailsTheStartAndClosesWhatWasOpened() {
    assertThrows(NativeException.class, () -> I2cMap.open(DeviceList.parse("1:4,2:5"), cfg -> {
      ProgrammableBus b = new ProgrammableBus((int) cfg.number());
      if (cfg.number() == 2) {
        b.slaveFailure = new NativeException("ioctl(I2C_SLAVE)", 16);
      }
      opened.add(b);
      return b;
    }));
    assertTrue(opened.stream().allMatch(b -> b.closed));
  }
}
