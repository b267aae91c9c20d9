// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/**
 * vhost-device-scmi end to end on a real socket, driven by the project's frontend in QEMU's
 * message order (QEMU 7.2 has no vhost-user-scmi device, so there is no guest test): a fake
 * sensor and an IIO sensor over a temporary sysfs tree.
 */
class ScmiDaemonTest {
  private static final int BASE = ScmiHandler.BASE_PROTOCOL_ID;
  private static final int SENSOR = SensorProtocol.PROTOCOL_ID;
  @TempDir Path root;
  private Path sock;
  private Daemon daemon;

  @BeforeEach
  void start() throws Exception {
    IioTree tree = new IioTree(root, "in_temp_raw", "2150", "in_temp_scale", "10",
        "name", "thermo\n");
    sock = root.resolve("scmi.sock");
    ScmiMain main = new ScmiMain();
    new CommandLine(main).parseArgs("-s", sock.toString(), "--log-level", "warn",
        "-d", "fake,name=accel,interval-ms=20",
        "-d", "iio,path=" + tree.dir + ",channel=in_temp");
    main.devRoot = tree.dev;
    ScmiDeviceFactory factory = new ScmiDeviceFactory(main.deviceSpecs(), main.devRoot);
    factory.check();
    daemon = new Daemon(ScmiMain.SPEC, main.socket, factory);
    daemon.start();
  }

  @AfterEach
  void stop() {
    daemon.stop();
  }

  @Test
  void sensorsAreDescribedAndReadingsRoundTrip() throws Exception {
    try (ScmiSession s = new ScmiSession(sock)) {
      assertArrayEquals(Scmi.expect(BASE, 0, 0, 0x20000), s.ask(BASE, 0));
      assertArrayEquals(Scmi.expect(SENSOR, 1, 0, 2, 0, 0, 0), s.ask(SENSOR, 1));
      // in_temp: °C at 10^-3, scale 10 -> custom exponent 1: unit word exponent -2, code 2.
      assertArrayEquals(Scmi.expect(SENSOR, 3, 0, 2, 0, 1 << 30, 3 << 16 | 1 << 8, "accel",
          1, 1 << 30, SensorUnit.word(SensorUnit.DEGREES_C, -2), "thermo"), s.ask(SENSOR, 3, 0));
      assertArrayEquals(Scmi.expect(SENSOR, 0xA, 0), s.ask(SENSOR, 0xA, 1, 1));
      assertArrayEquals(Scmi.expect(SENSOR, 6, 0, 2150L, 0L), s.ask(SENSOR, 6, 1, 0));
    }
  }

  @Test
  void anUpdateNotificationArrivesOnTheEventQueue() throws Exception {
    try (ScmiSession s = new ScmiSession(sock)) {
      long buf = s.ram.alloc(64, 8);
      s.evt.driver().publish(s.evt.driver().addChain(new Buffer(buf, 64, true)));
      s.evt.kick();
      s.ask(SENSOR, 0xA, 0, 1);
      s.ask(SENSOR, 0xB, 0, 1);
      UsedElement e = s.evt.awaitUsed(10_000);
      assertNotNull(e, "no notification");
      assertEquals(60, e.len());
      int[] w = s.words(buf, e.len());
      assertEquals(0x5701, w[0]);
      assertEquals(0, w[1]); // agent
      assertEquals(0, w[2]); // sensor 0
      assertEquals(w[3] + 100, w[7]); // axis Y = X + 100
      assertEquals(w[3] + 200, w[11]);
    }
  }

  @Test
  void theNextFrontendGetsAFreshDevice() throws Exception {
    try (ScmiSession s = new ScmiSession(sock)) {
      s.ask(SENSOR, 0xA, 0, 1);
      assertArrayEquals(Scmi.expect(SENSOR, 9, 0, 1), s.ask(SENSOR, 9, 0));
    }
    try (ScmiSession s = new ScmiSession(sock)) {
      assertArrayEquals(Scmi.expect(SENSOR, 9, 0, 0), s.ask(SENSOR, 9, 0));
      assertArrayEquals(Scmi.expect(BASE, 0, 0, 0x20000), s.ask(BASE, 0));
    }
  }

  @Test
  void aClosedSessionLeavesNoSensorThread() throws Exception {
    try (ScmiSession s = new ScmiSession(sock)) {
      assertArrayEquals(Scmi.expect(BASE, 0, 0, 0x20000), s.ask(BASE, 0));
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (sensorThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, sensorThreads());
  }

  private static long sensorThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("vhost-scmi-sensors") && t.isAlive()).count();
  }

  @Test
  void aClosedSessionReleasesItsDescriptors() throws Exception {
    // Warm up: the first session loads classes and opens whatever the JVM keeps open.
    try (ScmiSession s = new ScmiSession(sock)) {
      s.ask(BASE, 0);
    }
    awaitNoSensorThread();
    Thread.sleep(200); // let the server side of the warm-up session finish closing
    long before = openFds();
    for (int i = 0; i < 3; i++) {
      try (ScmiSession s = new ScmiSession(sock)) {
        s.ask(SENSOR, 0xA, 0, 1);
        s.ask(SENSOR, 0xB, 0, 1);
      }
      awaitNoSensorThread();
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (openFds() > before && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long after = openFds();
    assertTrue(after <= before, (after - before) + " descriptors left behind by 3 sessions");
  }

  private static void awaitNoSensorThread() throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (sensorThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private static long openFds() throws java.io.IOException {
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }
}
