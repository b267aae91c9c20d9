// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.testing.DaemonProcess;

/**
 * The built daemon as a process with the network backend. QEMU 7.2 has no vhost-user console
 * device, so the Java frontend plays QEMU (in its message order) and the guest driver's part of
 * the control handshake, while a TCP client types into the console and reads the guest output.
 */
class ConsoleDaemonIT {
  private static final long ACKED = 0x1_3000_0002L; // VERSION_1 | PROTOCOL_FEATURES | INDIRECT | MULTIPORT
  @TempDir Path dir;

  private static String run(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = DaemonProcess.launcher().toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return p.exitValue() + ":" + out;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void capabilitiesAndUsageErrors() throws Exception {
    assertTrue(run("--print-capabilities").contains("\"type\": \"console\""));
    String out = run("-s", dir.resolve("c").toString(), "-c", "2");
    assertTrue(out.startsWith("2:") && out.contains("Error using multiple sockets with Nested backend"),
        out);
  }

  @Test
  void aBusyPortEndsTheStartWithStatus1() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String out = run("-s", dir.resolve("c").toString(), "-b", "network",
          "-p", Integer.toString(busy.getLocalPort()));
      assertTrue(out.startsWith("1:") && out.contains("Could not initialize console backend"), out);
    }
  }

  @Test
  void aTcpClientAndTheGuestTalkThroughTheDaemon() throws Exception {
    int tcp = freePort();
    Path sock = dir.resolve("con.sock0");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("log"),
        "-s", dir.resolve("con.sock").toString(), "-b", "network", "-p", Integer.toString(tcp));
        Socket client = new Socket(InetAddress.getLoopbackAddress(), tcp)) {
      client.setSoTimeout(20_000);
      // Typed before any guest is there: kept for it.
      client.getOutputStream().write("early ".getBytes(StandardCharsets.US_ASCII));
      for (int round = 0; round < 2; round++) {
        try (Frontend f = Frontend.connect(sock);
            GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
            FrontendQueue rx = new FrontendQueue(0, ram, 64);
            FrontendQueue tx = new FrontendQueue(1, ram, 64);
            FrontendQueue crx = new FrontendQueue(2, ram, 64);
            FrontendQueue ctx = new FrontendQueue(3, ram, 64)) {
          assertEquals(4, f.qemuInit(4).queueNum());
          ByteBuffer cfg = ByteBuffer.wrap(f.getConfig(0, 12)).order(ByteOrder.LITTLE_ENDIAN);
          assertEquals(1, cfg.getInt(4), "max_nr_ports");
          f.start(ram, ACKED, rx, tx, crx, ctx);

          handshake(ram, crx, ctx);

          long in = ram.alloc(64, 8);
          rx.driver().publish(rx.driver().addChain(new Buffer(in, 64, true)));
          rx.kick();
          if (round == 0) {
            client.getOutputStream().write(new byte[] {'h', 'i', 3, (byte) 0xff});
            assertEquals("early hi\u0003\u00ff", new String(
                readGuestInput(ram, rx, in, 10), StandardCharsets.ISO_8859_1));
          } else {
            client.getOutputStream().write(new byte[] {'2'});
            assertArrayEquals(new byte[] {'2'}, readGuestInput(ram, rx, in, 1));
          }

          byte[] out = {'o', 'u', 't', (byte) 0xe2, (byte) 0x82, '\n'};
          long o = ram.alloc(out.length, 8);
          ram.memory().write(o, MemorySegment.ofArray(out));
          tx.driver().publish(tx.driver().addChain(new Buffer(o, out.length, false)));
          tx.kick();
          UsedElement done = tx.awaitUsed(20_000);
          assertNotNull(done, d.log());
          assertEquals(0, done.len());
          assertArrayEquals(out, client.getInputStream().readNBytes(out.length));
          f.stop(rx, tx, crx, ctx);
        }
      }
      assertTrue(d.isAlive(), d.log());
      assertEquals(0, d.stop(), d.log());
    }
    assertTrue(!Files.exists(sock), "the socket file is removed on SIGTERM");
  }

  /** Reads used RX entries until {@code n} bytes arrived (input may come in several pieces). */
  private static byte[] readGuestInput(GuestRam ram, FrontendQueue rx, long buf, int n)
      throws Exception {
    ByteBuffer got = ByteBuffer.allocate(n);
    while (got.hasRemaining()) {
      UsedElement e = rx.awaitUsed(20_000);
      assertNotNull(e, "no input reached the guest");
      got.put(read(ram, buf, e.len()));
      if (got.hasRemaining()) {
        rx.driver().publish(rx.driver().addChain(new Buffer(buf, 64, true)));
        rx.kick();
      }
    }
    return got.array();
  }

  /** The guest driver's side: DEVICE_READY, PORT_ADD, PORT_READY, CONSOLE_PORT/NAME/OPEN. */
  private static void handshake(GuestRam ram, FrontendQueue crx, FrontendQueue ctx)
      throws Exception {
    java.util.Map<Integer, Long> bufs = new java.util.HashMap<>();
    for (int i = 0; i < 4; i++) {
      long gpa = ram.alloc(64, 8);
      int head = crx.driver().addChain(new Buffer(gpa, 64, true));
      bufs.put(head, gpa);
      crx.driver().publish(head);
    }
    crx.kick();
    sendControl(ram, ctx, ControlMessage.DEVICE_READY);
    ByteBuffer add = receiveControl(ram, crx, bufs);
    assertEquals(ControlMessage.DEVICE_ADD, add.getShort(4));
    sendControl(ram, ctx, ControlMessage.PORT_READY);
    assertEquals(ControlMessage.CONSOLE_PORT, receiveControl(ram, crx, bufs).getShort(4));
    ByteBuffer name = receiveControl(ram, crx, bufs);
    assertEquals(ControlMessage.PORT_NAME, name.getShort(4));
    assertEquals("org.test.foo!", new String(name.array(), 8, name.limit() - 8,
        StandardCharsets.US_ASCII));
    assertEquals(ControlMessage.PORT_OPEN, receiveControl(ram, crx, bufs).getShort(4));
    sendControl(ram, ctx, ControlMessage.PORT_OPEN);
  }

  private static void sendControl(GuestRam ram, FrontendQueue ctx, int event) throws Exception {
    long m = ram.alloc(8, 8);
    ram.memory().write(m, MemorySegment.ofArray(ByteBuffer.allocate(8)
        .order(ByteOrder.LITTLE_ENDIAN).putInt(0).putShort((short) event).putShort((short) 1)
        .array()));
    ctx.driver().publish(ctx.driver().addChain(new Buffer(m, 8, false)));
    ctx.kick();
    assertNotNull(ctx.awaitUsed(20_000));
  }

  private static ByteBuffer receiveControl(GuestRam ram, FrontendQueue crx,
      java.util.Map<Integer, Long> bufs) throws Exception {
    UsedElement e = crx.awaitUsed(20_000);
    assertNotNull(e, "no control message");
    long gpa = bufs.get(e.id());
    return ByteBuffer.wrap(read(ram, gpa, e.len())).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] read(GuestRam ram, long gpa, int n) throws Exception {
    byte[] b = new byte[n];
    ram.memory().read(gpa, MemorySegment.ofArray(b));
    return b;
  }
}
