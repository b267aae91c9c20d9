// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/**
 * An IIO accelerometer end to end: the guest enables updates over the command queue, the
 * daemon enables the IIO buffer in sysfs, a scan written to the character device (a FIFO here)
 * arrives as a SENSOR_UPDATE notification on the event queue.
 */
class ScmiIioDaemonTest {
  private static final int SENSOR = SensorProtocol.PROTOCOL_ID;
  @TempDir Path root;

  @Test
  void aScanFromTheIioBufferBecomesANotification() throws Exception {
    IioTree tree = new IioTree(root, "in_accel_x_raw", "1", "in_accel_y_raw", "2",
        "in_accel_z_raw", "3", "in_accel_scale", "0.5", "buffer/enable", "0");
    for (String axis : List.of("x", "y", "z")) {
      tree.write("scan_elements/in_accel_" + axis + "_type", "le:s16/16>>0\n");
      tree.write("scan_elements/in_accel_" + axis + "_en", "0");
    }
    Path dev = tree.dev.resolve("iio:device0");
    assertEquals(0, new ProcessBuilder("mkfifo", dev.toString()).start().waitFor());
    Path sock = root.resolve("scmi.sock");
    ScmiMain main = new ScmiMain();
    new CommandLine(main).parseArgs("-s", sock.toString(), "--log-level", "warn",
        "-d", "iio,path=" + tree.dir + ",channel=in_accel,name=accel");
    Daemon daemon = new Daemon(ScmiMain.SPEC, main.socket,
        new ScmiDeviceFactory(main.deviceSpecs(), tree.dev));
    daemon.start();
    try (ScmiSession s = new ScmiSession(sock);
        FileOutputStream fifo = new FileOutputStream(dev.toFile())) {
      // scale 0.5 -> exponent -1: values are in tenths of m/s².
      assertArrayEquals(Scmi.expect(SENSOR, 7, 0, 1 | 2 << 26, 0, 1 << 8,
          SensorUnit.word(SensorUnit.METERS_PER_SECOND_SQUARED, -1), "accel_X", 5 | -1 << 27,
          Long.MIN_VALUE, Long.MAX_VALUE), s.ask(SENSOR, 7, 0, 0));
      long buf = s.ram.alloc(64, 8);
      s.evt.driver().publish(s.evt.driver().addChain(new Buffer(buf, 64, true)));
      s.evt.kick();
      s.ask(SENSOR, 0xA, 0, 1);
      s.ask(SENSOR, 0xB, 0, 1);
      assertEquals("1", tree.read("buffer/enable"));
      fifo.write(ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN)
          .putShort((short) 10).putShort((short) -20).putShort((short) 30).array());
      fifo.flush();
      UsedElement e = s.evt.awaitUsed(10_000);
      assertNotNull(e, "no notification");
      assertArrayEquals(new int[] {0x5701, 0, 0, 50, 0, 0, 0, -100, -1, 0, 0, 150, 0, 0, 0},
          s.words(buf, e.len()));
    } finally {
      daemon.stop();
    }
    assertEquals("0", tree.read("buffer/enable"), "the session's end disables the buffer");
  }
}
