// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.device.DeviceException;

/** Identity, queues and config space. */
class ScsiDeviceTest {
  private static ScsiDevice device(int queues) {
    return new ScsiDevice(ScsiMain.target(List.of(new MemoryBackend(8)), false, false), queues);
  }

  @Test
  void featuresAreTheRustDaemonsPlusChange() {
    assertEquals(0x1_7000_0002L | VirtioScsi.F_CHANGE, device(1).features());
    assertEquals(8, device(1).deviceType());
  }

  @Test
  void controlEventAndOneRequestQueueByDefault() {
    ScsiDevice d = device(1);
    assertEquals(3, d.numQueues());
    assertEquals(d.workerOf(0), d.workerOf(1));
    assertEquals(1, d.workerOf(2));
  }

  @Test
  void everyRequestQueueHasItsOwnWorker() {
    ScsiDevice d = device(4);
    assertEquals(6, d.numQueues());
    assertEquals(List.of(0, 0, 1, 2, 3, 4),
        List.of(d.workerOf(0), d.workerOf(1), d.workerOf(2), d.workerOf(3), d.workerOf(4),
            d.workerOf(5)));
    byte[] numQueues = new byte[4];
    d.readConfig(0, numQueues);
    assertEquals(4, ByteBuffer.wrap(numQueues).order(ByteOrder.LITTLE_ENDIAN).getInt());
  }

  @Test
  void theConfigSpaceHasTheRustValues() {
    byte[] c = new byte[36];
    device(1).readConfig(0, c);
    ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1, b.getInt(0));
    assertEquals(126, b.getInt(4));
    assertEquals(0xFFFF, b.getInt(8));
    assertEquals(128, b.getInt(12));
    assertEquals(16, b.getInt(16));
    assertEquals(96, b.getInt(20));
    assertEquals(32, b.getInt(24));
    assertEquals(0, b.getShort(28));
    assertEquals(255, b.getShort(30));
    assertEquals(0x3FFF, b.getInt(32));
  }

  @Test
  void configSlicesLikeTheRustDaemon() {
    ScsiConfig c = new ScsiConfig(1);
    assertEquals(0, c.slice(0, 0).length);
    assertEquals(36, c.slice(0, 36).length);
    assertArrayEquals(new byte[] {96, 0, 0, 0}, c.slice(20, 4));
    assertEquals(28, c.slice(8, 100).length);
    assertEquals(0, c.slice(36, 4).length);
    assertEquals(0, c.slice(100, 4).length);
  }

  @Test
  void setConfigIsRefusedCleanly() {
    assertThrows(DeviceException.class, () -> device(1).writeConfig(20, new byte[4]));
  }
}
