// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The 136-byte select-driven config, read from a fake evdev that answers with pattern data. */
class InputConfigTest {
  private FakeEvdevIo io;
  private Evdev dev;
  private InputConfig config;

  @BeforeEach
  void setUp() throws Exception {
    io = new FakeEvdevIo();
    dev = Evdev.open(io, "/dev/input/event7");
    config = new InputConfig(dev);
  }

  @AfterEach
  void tearDown() {
    dev.close();
  }

  private byte[] select(int select, int subsel) {
    config.write(0, new byte[] {(byte) select, (byte) subsel});
    byte[] cfg = new byte[InputConfig.SIZE];
    config.read(0, cfg);
    return cfg;
  }

  private static int size(byte[] cfg) {
    return cfg[InputConfig.OFF_SIZE] & 0xff;
  }

  private static byte[] union(byte[] cfg) {
    return Arrays.copyOfRange(cfg, InputConfig.OFF_UNION, InputConfig.OFF_UNION + size(cfg));
  }

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void devidsAreBustypeVendorProductVersionWithSizeEight() {
    byte[] cfg = select(InputConfig.ID_DEVIDS, 0);
    assertEquals(InputConfig.ID_DEVIDS, cfg[0]);
    assertEquals(8, size(cfg), "the Rust daemon says 128");
    assertArrayEquals(new byte[] {0x03, 0x00, 0x6d, 0x04, 0x23, 0x40, 0x11, 0x01}, union(cfg));
  }

  @Test
  void aNameWithoutNulFillsTheWholeUnion() {
    byte[] cfg = select(InputConfig.ID_NAME, 0);
    assertEquals(InputConfig.ID_NAME, cfg[0]);
    assertEquals(128, size(cfg));
    assertArrayEquals(filled(128, 0x06), union(cfg));
  }

  @Test
  void theNameSizeIsTheStringLength() {
    io.name = "Logitech USB Receiver".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] cfg = select(InputConfig.ID_NAME, 0);
    assertEquals(21, size(cfg), "the Rust daemon says 128");
    assertEquals("Logitech USB Receiver", new String(union(cfg),
        java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(0, cfg[InputConfig.OFF_UNION + 21], "nothing after the name");
  }

  @Test
  void aNameThatIsNotUtf8IsPassedOnAsBytes() {
    io.name = new byte[] {(byte) 0xff, (byte) 0xfe, 'k', 'b', (byte) 0xc3};
    byte[] cfg = select(InputConfig.ID_NAME, 0);
    assertArrayEquals(io.name, union(cfg), "the Rust daemon panics here");
  }

  @Test
  void anEmptyNameReportsNothing() {
    io.name = new byte[0];
    assertArrayEquals(new byte[InputConfig.SIZE], select(InputConfig.ID_NAME, 0));
  }

  @Test
  void theSerialIsTheUniqueId() {
    byte[] cfg = select(InputConfig.ID_SERIAL, 0);
    assertEquals(InputConfig.ID_SERIAL, cfg[0]);
    assertArrayEquals(filled(128, 0x08), union(cfg));
  }

  @Test
  void eventBitsOfTheTypesTheRustDaemonReports() {
    int[] types = {InputConfig.EV_KEY, InputConfig.EV_REL, InputConfig.EV_ABS,
        InputConfig.EV_MSC, InputConfig.EV_SW};
    for (int type : types) {
      byte[] cfg = select(InputConfig.EV_BITS, type);
      assertEquals(InputConfig.EV_BITS, cfg[0]);
      assertEquals(type, cfg[1]);
      assertEquals(128, size(cfg));
      assertArrayEquals(filled(128, 0x20 + type), union(cfg), "type " + type);
    }
  }

  @Test
  void ledAndSoundBitsAreReportedSoTheGuestSendsFeedback() {
    assertArrayEquals(filled(128, 0x31), union(select(InputConfig.EV_BITS, InputConfig.EV_LED)));
    assertArrayEquals(filled(128, 0x32), union(select(InputConfig.EV_BITS, InputConfig.EV_SND)));
  }

  @Test
  void otherEventTypesReportNothing() {
    for (int type : new int[] {0x00, 0x06, 0x14, 0x15, 0xff}) {
      assertArrayEquals(new byte[InputConfig.SIZE], select(InputConfig.EV_BITS, type),
          "type " + type);
    }
  }

  @Test
  void aBitmapIsSizedUpToItsLastNonZeroByte() {
    io.name = null;
    io.failingIoctlNrs.clear();
    // PROP_BITS with the pattern is 128 bytes of 0x09; an all-zero bitmap reports nothing.
    assertEquals(128, size(select(InputConfig.PROP_BITS, 0)));
    io.failingIoctlNrs.add(0x09);
    assertArrayEquals(new byte[InputConfig.SIZE], select(InputConfig.PROP_BITS, 0));
  }

  @Test
  void absInfoOfAnAxisTheDeviceHas() {
    // EVIOCGBIT(EV_ABS) answers 0x23 in every byte: axes 0, 1 and 5 of each byte are present.
    byte[] cfg = select(InputConfig.ABS_INFO, 0);
    assertEquals(InputConfig.ABS_INFO, cfg[0]);
    assertEquals(20, size(cfg));
    // EVIOCGABS(0) fills with 0x40: min, max, fuzz, flat and resolution all 0x40404040.
    assertArrayEquals(filled(20, 0x40), union(cfg));
    assertArrayEquals(filled(20, 0x41), union(select(InputConfig.ABS_INFO, 1)));
  }

  @Test
  void absInfoOfAnAxisTheDeviceLacksOrBeyondAbsMaxIsEmpty() {
    assertArrayEquals(new byte[InputConfig.SIZE], select(InputConfig.ABS_INFO, 2));
    assertArrayEquals(new byte[InputConfig.SIZE], select(InputConfig.ABS_INFO, 0x40));
  }

  @Test
  void unsetAndUnknownSelectsAreAllZeros() {
    for (int select : new int[] {InputConfig.UNSET, 0x04, 0x13, 0xff}) {
      assertArrayEquals(new byte[InputConfig.SIZE], select(select, 0), "select " + select);
    }
    assertArrayEquals(new byte[InputConfig.SIZE], select(InputConfig.ID_NAME, 1));
  }

  @Test
  void oneByteWritesOfSelectAndSubselWork() {
    config.write(InputConfig.OFF_SELECT, new byte[] {InputConfig.EV_BITS});
    config.write(InputConfig.OFF_SUBSEL, new byte[] {InputConfig.EV_REL});
    assertEquals(InputConfig.EV_BITS, config.select());
    assertEquals(InputConfig.EV_REL, config.subsel());
    byte[] cfg = new byte[InputConfig.SIZE];
    config.read(0, cfg);
    assertArrayEquals(filled(128, 0x22), union(cfg));
  }

  @Test
  void qemusWholeStructureWriteTakesSelectAndSubselOnly() {
    byte[] whole = filled(InputConfig.SIZE, 0x55);
    whole[0] = InputConfig.ID_DEVIDS;
    whole[1] = 0;
    config.write(0, whole);
    byte[] cfg = new byte[InputConfig.SIZE];
    config.read(0, cfg);
    assertEquals(8, size(cfg));
    assertEquals(0, cfg[InputConfig.OFF_UNION + 8], "written union bytes are not kept");
  }

  @Test
  void writesToTheReadOnlyFieldsAreIgnored() {
    config.write(0, new byte[] {InputConfig.ID_DEVIDS, 0});
    config.write(2, new byte[] {(byte) 0x99, 1, 2, 3});
    config.write(100, new byte[] {1});
    assertEquals(InputConfig.ID_DEVIDS, config.select());
    assertEquals(0, config.subsel());
  }

  @Test
  void aReadAtAnOffsetGivesThatWindow() {
    config.write(0, new byte[] {InputConfig.ID_DEVIDS, 0});
    byte[] size = new byte[1];
    config.read(InputConfig.OFF_SIZE, size);
    assertEquals(8, size[0]);
    byte[] vendor = new byte[2];
    config.read(InputConfig.OFF_UNION + 2, vendor);
    assertArrayEquals(new byte[] {0x6d, 0x04}, vendor);
  }

  @Test
  void aFailingIoctlReportsNothingAndDoesNotThrow() {
    io.failingIoctlNrs.add(0x06);
    assertArrayEquals(new byte[InputConfig.SIZE], select(InputConfig.ID_NAME, 0));
  }

  @Test
  void resetClearsTheSelection() {
    config.write(0, new byte[] {InputConfig.ID_DEVIDS, 3});
    config.reset();
    assertEquals(0, config.select());
    assertEquals(0, config.subsel());
  }
}
