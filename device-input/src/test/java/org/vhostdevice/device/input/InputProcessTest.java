// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;

/**
 * vhost-device-input as a separate process fed by {@code --replay}, driven by the Java frontend
 * in QEMU 7.2's order: config, events in the recording's order, LED feedback, exit codes.
 */
class InputProcessTest {
  private static final long FEATURES = 0x1_7000_0000L & ~(1L << 30);

  @TempDir Path dir;

  private static Process start(Path output, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(InputMain.class.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile())
        .start();
  }

  private static int finish(Process p) throws InterruptedException {
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "daemon did not exit");
    return p.exitValue();
  }

  private static void awaitSocket(Path sock, Process p, Path out) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(sock) && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(sock), "daemon never listened: " + Files.readString(out));
  }

  private static byte[] config(Frontend f, int select, int subsel) throws IOException {
    f.setConfig(0, new byte[] {(byte) select});
    f.setConfig(1, new byte[] {(byte) subsel});
    return f.getConfig(0, InputConfig.SIZE);
  }

  @Test
  void aReplayedRecordingReachesTheGuestInOrderAndLedsComeBack() throws Exception {
    Path rec = Recording.write(dir.resolve("keys.ev"));
    Path out = dir.resolve("out.txt");
    Process p = start(out, "-s", dir.resolve("in.sock").toString(), "--replay", rec.toString(),
        "--replay-name", "vhd test keyboard", "--replay-interval", "5");
    Path sock = dir.resolve("in.sock0");
    try {
      awaitSocket(sock, p, out);
      try (Frontend f = Frontend.connect(sock);
          GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
          FrontendQueue eventq = new FrontendQueue(0, ram, 64);
          FrontendQueue statusq = new FrontendQueue(1, ram, 64)) {
        f.qemuInit(2);
        byte[] name = config(f, InputConfig.ID_NAME, 0);
        assertEquals("vhd test keyboard", new String(name, 8, name[2], StandardCharsets.UTF_8));
        byte[] keys = config(f, InputConfig.EV_BITS, InputConfig.EV_KEY);
        assertEquals(4, keys[2], "KEY_A is code 30: byte 3 of the bitmap is the last");
        assertEquals(1 << 6, keys[8 + 3]);
        byte[] rel = config(f, InputConfig.EV_BITS, InputConfig.EV_REL);
        assertEquals(1, rel[2]);
        assertEquals(3, rel[8], "REL_X and REL_Y");

        f.start(ram, FEATURES, eventq, statusq);
        long buf = ram.alloc(8 * 64, 8);
        for (int i = 0; i < 24; i++) {
          eventq.driver().publish(eventq.driver().addChain(new Buffer(buf + 8L * i, 8, true)));
        }
        eventq.kick();
        List<int[]> got = new ArrayList<>();
        while (got.size() < 24) {
          UsedElement e = eventq.awaitUsed(10_000);
          assertNotNull(e, "only " + got.size() + " events: " + Files.readString(out));
          assertEquals(8, e.len());
          ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
          ram.memory().read(buf + 8L * e.id(), MemorySegment.ofArray(b.array()));
          got.add(new int[] {Short.toUnsignedInt(b.getShort(0)),
              Short.toUnsignedInt(b.getShort(2)), b.getInt(4)});
        }
        assertTrue(Recording.isWindowOfTheLoop(got),
            got.stream().map(Arrays::toString).toList().toString());

        long st = ram.alloc(8, 8);
        ram.memory().write(st, MemorySegment.ofArray(ByteBuffer.allocate(8)
            .order(ByteOrder.LITTLE_ENDIAN).putShort((short) InputConfig.EV_LED)
            .putShort((short) 1).putInt(1).array()));
        statusq.driver().publish(statusq.driver().addChain(new Buffer(st, 8, false)));
        statusq.kick();
        assertNotNull(statusq.awaitUsed(10_000));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!Files.readString(out).contains("feedback type 17 code 1 value 1")
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(Files.readString(out).contains("feedback type 17 code 1 value 1"),
          Files.readString(out));
    } finally {
      p.destroy(); // SIGTERM
    }
    assertEquals(0, finish(p), Files.readString(out));
    assertFalse(Files.exists(sock), "the socket file is removed");
  }

  @Test
  void aMissingEventDeviceFailsTheStartWithStatusOne() throws Exception {
    Path out = dir.resolve("out.txt");
    assertEquals(1, finish(start(out, "-s", dir.resolve("in.sock").toString(),
        "-e", dir.resolve("no-such-event0").toString())));
    assertTrue(Files.readString(out).contains("Event device file doesn't exists"),
        Files.readString(out));
  }

  @Test
  void aMissingEventListIsAUsageErrorWithStatusTwo() throws Exception {
    Path out = dir.resolve("out.txt");
    assertEquals(2, finish(start(out, "-s", dir.resolve("in.sock").toString())));
    assertTrue(Files.readString(out).contains("--event-list"), Files.readString(out));
  }

  @Test
  void printCapabilitiesNeedsNoOtherOption() throws Exception {
    Path out = dir.resolve("out.txt");
    assertEquals(0, finish(start(out, "--print-capabilities")));
    assertTrue(Files.readString(out).contains("\"type\": \"input\""), Files.readString(out));
  }
}
