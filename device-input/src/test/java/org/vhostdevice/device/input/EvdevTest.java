// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Request numbers as linux/input.h's macros give them (this machine has no event device, so the
 * numbers are what ties the FFM calls to the kernel), and decoding of the ioctl answers.
 */
class EvdevTest {
  @Test
  void ioctlNumbersMatchTheKernelHeaders() {
    assertEquals(0x80084502, Evdev.EVIOCGID);
    assertEquals(0x40044590, Evdev.EVIOCGRAB);
    assertEquals(0x80804506, Evdev.eviocgname(128));
    assertEquals(0x80804508, Evdev.eviocguniq(128));
    assertEquals(0x80804509, Evdev.eviocgprop(128));
    assertEquals(0x80804521, Evdev.eviocgbit(1, 128));
    assertEquals(0x80604518, Evdev.eviocgkey(96));
    assertEquals(0x80184540, Evdev.eviocgabs(0));
    assertEquals(0x80184575, Evdev.eviocgabs(0x35)); // ABS_MT_POSITION_X
  }

  @Test
  void theInputIdIsDecodedFromItsFourShorts() throws Exception {
    try (Evdev d = Evdev.open(new FakeEvdevIo(), "/dev/input/event0")) {
      assertEquals(new Evdev.InputId(3, 0x46d, 0x4023, 0x111), d.id());
    }
  }

  @Test
  void absInfoSkipsTheCurrentValue() throws Exception {
    try (Evdev d = Evdev.open(new FakeEvdevIo(), "/dev/input/event0")) {
      // The fake fills EVIOCGABS(1) with 0x41: every field 0x41414141.
      assertEquals(new Evdev.AbsInfo(0x41414141, 0x41414141, 0x41414141, 0x41414141,
          0x41414141), d.absInfo(1));
    }
  }

  @Test
  void theKeyStateIsKeyCntBits() throws Exception {
    try (Evdev d = Evdev.open(new FakeEvdevIo(), "/dev/input/event0")) {
      byte[] keys = d.keyState();
      assertEquals(96, keys.length);
      byte[] expected = new byte[96];
      Arrays.fill(expected, (byte) 0x18);
      assertArrayEquals(expected, keys);
    }
  }

  @Test
  void anOpenDeviceThatIsNotAnEventDeviceIsRefusedAndClosed() {
    FakeEvdevIo io = new FakeEvdevIo();
    io.failingIoctlNrs.add(0x02);
    IOException e = assertThrows(IOException.class, () -> Evdev.open(io, "/dev/input/x"));
    assertTrue(e.getMessage().contains("not an event device"), e.getMessage());
    assertEquals(0, io.openCount());
  }

  @Test
  void theRealBoundaryNamesTheFailingIoctl() throws Exception {
    LinuxEvdevIo io = new LinuxEvdevIo();
    int fd = io.open("/dev/null");
    try {
      IOException e = assertThrows(IOException.class,
          () -> io.ioctl(fd, Evdev.EVIOCGRAB, 1));
      assertTrue(e.getMessage().contains("ioctl 0x40044590"), e.getMessage());
    } finally {
      io.close(fd);
    }
  }

  @Test
  void aMissingPathIsAnErrorNamingIt() {
    IOException e = assertThrows(IOException.class,
        () -> new LinuxEvdevIo().open("/nonexistent/event9"));
    assertTrue(e.getMessage().contains("/nonexistent/event9"), e.getMessage());
  }
}
