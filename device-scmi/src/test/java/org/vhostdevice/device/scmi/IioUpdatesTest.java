// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.sys.Epoll;

/**
 * IIO update notifications: the buffer enable protocol in sysfs and scans read from the
 * character device, here a FIFO standing in for /dev/iio:device0.
 */
class IioUpdatesTest {
  @TempDir Path root;
  private IioTree tree;

  @BeforeEach
  void setUp() throws Exception {
    tree = new IioTree(root, "in_accel_x_raw", "1", "in_accel_y_raw", "2", "in_accel_z_raw", "3",
        "in_accel_scale", "2", "buffer/enable", "0");
    for (String axis : new String[] {"x", "y", "z"}) {
      tree.write("scan_elements/in_accel_" + axis + "_type", "le:s16/16>>0\n");
      tree.write("scan_elements/in_accel_" + axis + "_en", "0");
    }
    index(0, 1, 2);
    Process p = new ProcessBuilder("mkfifo", tree.dev.resolve("iio:device0").toString()).start();
    assertEquals(0, p.waitFor());
  }

  private void index(int x, int y, int z) throws Exception {
    tree.write("scan_elements/in_accel_x_index", x + "\n");
    tree.write("scan_elements/in_accel_y_index", y + "\n");
    tree.write("scan_elements/in_accel_z_index", z + "\n");
  }

  private static byte[] scan(int... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putShort((short) v);
    }
    return b.array();
  }

  private static void awaitReadable(Sensor s) throws Exception {
    try (Epoll e = Epoll.create(1)) {
      e.add(s.updateFd(), Epoll.EPOLLIN, 1);
      assertEquals(1, e.await(5000));
    }
  }

  @Test
  void enablingNotificationsEnablesScanElementsThenTheBuffer() throws Exception {
    try (IioSensor s = tree.initialized("in_accel")) {
      assertTrue(s.updateFd() >= 0);
      assertEquals(ScmiStatus.SUCCESS, s.notificationsChanged(true));
      assertEquals("1", tree.read("scan_elements/in_accel_x_en"));
      assertEquals("1", tree.read("scan_elements/in_accel_z_en"));
      assertEquals("1", tree.read("buffer/enable"));
      assertEquals(ScmiStatus.SUCCESS, s.notificationsChanged(false));
      assertEquals("0", tree.read("buffer/enable"));
      assertEquals("0", tree.read("scan_elements/in_accel_y_en"));
    }
  }

  @Test
  void aScanBecomesScaledValues() throws Exception {
    try (IioSensor s = tree.initialized("in_accel");
        FileOutputStream fifo = new FileOutputStream(tree.dev.resolve("iio:device0").toFile())) {
      fifo.write(scan(1, -2, 300));
      fifo.flush();
      awaitReadable(s);
      long[] v = new long[3];
      assertEquals(3, s.consumeUpdate(v));
      assertArrayEquals(new long[] {2, -4, 600}, v);
    }
  }

  @Test
  void onlyTheNewestOfSeveralScansIsReported() throws Exception {
    try (IioSensor s = tree.initialized("in_accel");
        FileOutputStream fifo = new FileOutputStream(tree.dev.resolve("iio:device0").toFile())) {
      fifo.write(scan(1, 1, 1, 5, 6, 7));
      awaitReadable(s);
      long[] v = new long[3];
      assertEquals(3, s.consumeUpdate(v));
      assertArrayEquals(new long[] {10, 12, 14}, v);
    }
  }

  @Test
  void scanOrderFollowsTheScanIndexFiles() throws Exception {
    index(2, 1, 0);
    try (IioSensor s = tree.initialized("in_accel");
        FileOutputStream fifo = new FileOutputStream(tree.dev.resolve("iio:device0").toFile())) {
      fifo.write(scan(30, 20, 10)); // z, y, x
      awaitReadable(s);
      long[] v = new long[3];
      s.consumeUpdate(v);
      assertArrayEquals(new long[] {20, 40, 60}, v);
    }
  }

  @Test
  void aReadingPausesTheRunningBuffer() throws Exception {
    try (IioSensor s = tree.initialized("in_accel")) {
      s.notificationsChanged(true);
      long[] v = new long[3];
      assertEquals(ScmiStatus.SUCCESS, s.read(v));
      assertArrayEquals(new long[] {2, 4, 6}, v);
      assertTrue(s.bufferActive());
      assertEquals("1", tree.read("buffer/enable"));
    }
  }

  @Test
  void closingDisablesTheBuffer() throws Exception {
    IioSensor s = tree.initialized("in_accel");
    s.notificationsChanged(true);
    s.close();
    assertEquals("0", tree.read("buffer/enable"));
  }

  @Test
  void anUnusableScanTypeMeansNoUpdates() throws Exception {
    tree.write("scan_elements/in_accel_y_type", "be:u24/28>>5\n");
    try (IioSensor s = tree.initialized("in_accel")) {
      assertEquals(-1, s.updateFd());
    }
  }

  @Test
  void aFailingBufferEnableIsAGenericError() throws Exception {
    java.nio.file.Files.delete(tree.dir.resolve("buffer/enable"));
    try (IioSensor s = tree.initialized("in_accel")) {
      assertEquals(ScmiStatus.GENERIC_ERROR, s.notificationsChanged(true));
    }
  }
}
