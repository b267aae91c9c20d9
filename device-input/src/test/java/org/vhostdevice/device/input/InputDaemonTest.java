// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.input.EventPump.EV_SYN;
import static org.vhostdevice.device.input.EventPump.SYN_REPORT;
import static org.vhostdevice.device.input.InputConfig.EV_KEY;
import static org.vhostdevice.device.input.InputConfig.EV_LED;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/**
 * The daemon on a real socket, driven by the Java frontend in QEMU 7.2's message order, with a
 * fake event device behind the real backend interface.
 */
class InputDaemonTest {
  private static final long FEATURES = 0x1_7000_0000L & ~(1L << 30);
  private static final String EVDEV = "/dev/input/event5";

  @TempDir Path dir;
  private final FakeEvdevIo io = new FakeEvdevIo();
  private Daemon daemon;
  private Path sock;

  @BeforeEach
  void setUp() throws Exception {
    InputMain main = new InputMain();
    new CommandLine(main).parseArgs("-s", dir.resolve("input.sock").toString(), "-e", EVDEV,
        "--log-level", "warn");
    main.validate();
    daemon = main.daemon(io);
    daemon.start();
    sock = dir.resolve("input.sock0");
  }

  @AfterEach
  void tearDown() {
    daemon.stop();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
      Thread.sleep(10);
    }
  }

  private static long inputThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("input-" + EVDEV) && t.isAlive()).count();
  }

  /** One guest boot: config reads, the driver's start, a key press each way, then hang-up. */
  private void session() throws Exception {
    try (Frontend f = Frontend.connect(sock);
        GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
        FrontendQueue eventq = new FrontendQueue(0, ram, 64);
        FrontendQueue statusq = new FrontendQueue(1, ram, 64)) {
      Frontend.Negotiated n = f.qemuInit(2);
      assertEquals(0x1_7000_0000L, n.features());
      assertTrue((n.protocolFeatures() & 0x200) != 0, "CONFIG");

      // The guest driver's probe: one-byte writes of select and subsel, then reads.
      f.setConfig(0, new byte[] {InputConfig.ID_DEVIDS});
      f.setConfig(1, new byte[] {0});
      byte[] cfg = f.getConfig(0, InputConfig.SIZE);
      assertEquals(8, cfg[InputConfig.OFF_SIZE]);
      assertArrayEquals(new byte[] {3, 0, 0x6d, 4, 0x23, 0x40, 0x11, 1},
          java.util.Arrays.copyOfRange(cfg, 8, 16));
      io.name = "fake keyboard".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      byte[] whole = new byte[InputConfig.SIZE]; // QEMU's own vhost-user-input writes it all
      whole[0] = InputConfig.ID_NAME;
      f.setConfig(0, whole);
      assertEquals(13, f.getConfig(InputConfig.OFF_SIZE, 1)[0]);

      f.start(ram, FEATURES, eventq, statusq);
      long buf = ram.alloc(8 * 16, 8);
      for (int i = 0; i < 16; i++) {
        eventq.driver().publish(eventq.driver().addChain(new Buffer(buf + 8L * i, 8, true)));
      }
      eventq.kick();
      await(() -> io.grabs.contains(true), "the device is grabbed");

      io.emit(io.lastFd(), EV_KEY, 30, 1, EV_SYN, SYN_REPORT, 0);
      UsedElement first = eventq.awaitUsed(10_000);
      assertNotNull(first, "the key press reaches the guest");
      assertEquals(8, first.len());
      assertNotNull(eventq.awaitUsed(10_000), "and its SYN_REPORT");
      ByteBuffer ev = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ram.memory().read(buf + 8L * first.id(), MemorySegment.ofArray(ev.array()));
      assertEquals(EV_KEY, ev.getShort(0));
      assertEquals(30, ev.getShort(2));
      assertEquals(1, ev.getInt(4));

      long st = ram.alloc(8, 8);
      ram.memory().write(st, MemorySegment.ofArray(ByteBuffer.allocate(8)
          .order(ByteOrder.LITTLE_ENDIAN).putShort((short) EV_LED).putShort((short) 1)
          .putInt(1).array()));
      statusq.driver().publish(statusq.driver().addChain(new Buffer(st, 8, false)));
      statusq.kick();
      assertNotNull(statusq.awaitUsed(10_000));
      assertEquals(List.of(new FakeEvdevIo.Feedback(EV_LED, 1, 1)), io.feedback);
      io.feedback.clear();
    }
  }

  @Test
  void aGuestSessionGetsConfigEventsAndSendsLeds() throws Exception {
    session();
  }

  private static int openFds() {
    String[] fds = new java.io.File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }

  @Test
  void aHangUpFreesTheEventDeviceAndItsThreadAndTheNextGuestIsServed() throws Exception {
    int before = openFds();
    session();
    await(() -> io.openCount() == 0, "the event device is closed");
    await(() -> inputThreads() == 0, "the reading thread has ended");
    await(() -> openFds() == before, "every fd of the session (device, epoll, eventfd, "
        + "kick/call, memory) is closed: " + before + " before");
    assertEquals(List.of(true, false), io.grabs, "ungrabbed at hang-up");
    io.grabs.clear();
    session();
    assertEquals(2, io.opened.size(), "each session opens the device afresh");
    await(() -> io.openCount() == 0, "closed again");
  }

  @Test
  void anEventDeviceThatIsGoneAtConnectionEndsThatSessionOnly() throws Exception {
    io.missing.add(EVDEV);
    try (Frontend f = Frontend.connect(sock)) {
      assertTrue(f.receiveRaw() == null, "the daemon hangs up");
    } catch (java.io.IOException expected) {
      // a reset connection is also a hang-up
    }
    io.missing.clear();
    session();
  }
}
