// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.vsock.HostPeer.Seen;
import org.vhostdevice.vhostuser.testing.DaemonProcess;
import org.vhostdevice.vhostuser.testing.GuestVm;

/**
 * vhost-device-vsock (the launcher, as its own process) under QEMU with a real Linux guest whose
 * vmw_vsock_virtio_transport talks to it; the guest side is the {@code vt} helper built into the
 * test initramfs (tools/guest/extras.d/vsock.sh), the host side Unix sockets in this JVM.
 */
@Tag("guest")
class VsockGuestIT {
  private static final Duration BIG_BOOT = Duration.ofMinutes(15);
  private static final Duration BOOT = Duration.ofMinutes(5);
  private static final long MIB64 = 64L << 20;
  private static final int CONNS = 32;
  private static final long PER_CONN = 256 << 10;

  @TempDir Path dir;

  @BeforeAll
  static void needsQemu() throws Exception {
    String why = GuestVm.unavailableReason();
    Assumptions.assumeTrue(why == null, "skipping guest tests: " + why);
    GuestVm.guest();
  }

  private static List<String> vsockDevice(String id, Path socket) {
    return List.of("-chardev", "socket,id=" + id + ",path=" + socket,
        "-device", "vhost-user-vsock-pci,chardev=" + id);
  }

  private static <T> CompletableFuture<T> async(java.util.concurrent.Callable<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread.ofPlatform().daemon().start(() -> {
      try {
        f.complete(work.call());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }

  private static String field(String console, String line, String key) {
    Matcher m = Pattern.compile(Pattern.quote(line) + ".*?\\b" + key + "=(\\S+)").matcher(console);
    assertTrue(m.find(), "no " + line + " " + key + " in:\n" + console);
    return m.group(1);
  }

  /**
   * One boot: 64 MiB each way with checksums at both ends, a host half-close the guest sees as
   * EOF while the host still reads its answer, 32 concurrent echoed connections (each half-closed
   * by the guest) and a connect to a port nobody listens on. Then the guest "reboots" (a new QEMU
   * on the same daemon) and talks again.
   */
  @Test
  @Timeout(value = 40, unit = TimeUnit.MINUTES)
  void bulkDataHalfCloseConcurrencyRefusalAndAReboot() throws Exception {
    Path sock = dir.resolve("vm.sock");
    Path uds = dir.resolve("vm.vsock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "--guest-cid", "3", "--socket", sock.toString(), "--uds-path", uds.toString());
        ServerSocketChannel bulkIn = HostPeer.listen(dir.resolve("vm.vsock_6000"));
        ServerSocketChannel echo = HostPeer.listen(dir.resolve("vm.vsock_6001"))) {
      long deadline = System.nanoTime() + BIG_BOOT.toNanos();
      CompletableFuture<Seen> guestToHost = async(() -> {
        try (SocketChannel ch = bulkIn.accept()) {
          return HostPeer.receive(ch, false);
        }
      });
      CompletableFuture<Seen> hostToGuest = async(() -> {
        try (SocketChannel ch = HostPeer.connectGuest(uds, 5000, deadline)) {
          Seen s = HostPeer.send(ch, 2, MIB64, 65536);
          ch.shutdownOutput();
          HostPeer.readAll(ch);
          return s;
        }
      });
      CompletableFuture<String[]> halfClose = hostToGuest.thenCompose(x -> async(() -> {
        try (SocketChannel ch = HostPeer.connectGuest(uds, 5001, deadline)) {
          Seen s = HostPeer.send(ch, 3, 1 << 20, 4096);
          ch.shutdownOutput();
          // The guest answers only after it has seen our EOF; we still read after shutting down.
          return new String[] {s.bytes() + " " + Stream.hex(s.sum()), HostPeer.readAll(ch).trim()};
        }
      }));
      List<Seen> echoed = Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Integer> echoes = async(() -> {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CONNS; i++) {
          SocketChannel ch = echo.accept();
          threads.add(Thread.ofPlatform().daemon().start(() -> {
            try (ch) {
              echoed.add(HostPeer.receive(ch, true));
            } catch (Exception e) {
              echoed.add(new Seen(-1, 0));
            }
          }));
        }
        for (Thread t : threads) {
          t.join();
        }
        return threads.size();
      });

      GuestVm.Result r = GuestVm.boot("""
          vt send 2 6000 67108864 65536 1
          vt recv 5000
          vt echo 5001
          vt multi 2 6001 32 262144
          vt dead 2 6999
          """, vsockDevice("v0", sock), BIG_BOOT, Files.createDirectories(dir.resolve("boot1")));
      String ctx = r.console() + "\n--- daemon ---\n" + d.log();
      assertTrue(r.passed(), ctx);
      // The guest's own figures (bytes, checksums, times) go to the test report.
      r.console().lines().filter(l -> l.contains("vt-")).forEach(System.out::println);

      Seen g2h = guestToHost.get(30, TimeUnit.SECONDS);
      assertEquals(MIB64, g2h.bytes(), ctx);
      assertEquals(field(r.console(), "vt-send", "sum"), Stream.hex(g2h.sum()), "guest->host");

      Seen h2g = hostToGuest.get(30, TimeUnit.SECONDS);
      assertEquals(String.valueOf(MIB64), field(r.console(), "vt-recv", "bytes"), ctx);
      assertEquals(Stream.hex(h2g.sum()), field(r.console(), "vt-recv", "sum"), "host->guest");

      String[] hc = halfClose.get(30, TimeUnit.SECONDS);
      assertEquals(hc[0], hc[1], "the guest saw all bytes and EOF, the host read its answer");

      assertEquals(CONNS, echoes.get(60, TimeUnit.SECONDS));
      assertTrue(r.console().contains("vt-multi conns=32 bad=0"), ctx);
      for (Seen s : echoed) {
        assertEquals(PER_CONN, s.bytes(), "every connection echoed whole: " + echoed);
      }
      for (int i = 0; i < CONNS; i++) {
        assertTrue(r.console().matches("(?s).*vt-multi conn=\\d+ seed=" + (1000 + i)
            + " sent=(\\w+) echoed=\\1 bytes=262144 ok.*"), "connection " + i + "\n" + ctx);
      }

      // ECONNRESET (104) from the daemon's RST, not the 2 s ETIMEDOUT of a silent daemon.
      assertEquals("104", field(r.console(), "vt-dead", "errno"), ctx);
      assertTrue(Integer.parseInt(field(r.console(), "vt-dead", "ms")) < 1500, ctx);

      // A "reboot": the next QEMU on the same daemon gets a working device.
      CompletableFuture<Seen> again = async(() -> {
        try (SocketChannel ch = bulkIn.accept()) {
          return HostPeer.receive(ch, false);
        }
      });
      GuestVm.Result r2 = GuestVm.boot("vt send 2 6000 1048576 4096 1\n",
          vsockDevice("v0", sock), BOOT, Files.createDirectories(dir.resolve("boot2")));
      assertTrue(r2.passed(), r2.console() + "\n--- daemon ---\n" + d.log());
      assertEquals("8a70ceca7256211c", Stream.hex(again.get(30, TimeUnit.SECONDS).sum()));
      assertTrue(d.isAlive());
      assertEquals(0, d.stop(), "SIGTERM ends the daemon with status 0");
    }
  }

  /**
   * Two guests of one daemon in one group talk to each other through it; a third VM in another
   * group (played by the Java frontend) is refused although the target listens.
   */
  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void siblingVmsInAGroupTalkAndAnOutsiderIsRefused() throws Exception {
    Path a = dir.resolve("a.sock");
    Path b = dir.resolve("b.sock");
    Path c = dir.resolve("c.sock");
    try (DaemonProcess d = DaemonProcess.start(c, dir.resolve("daemon.log"),
        "--vm", "guest-cid=3,socket=" + a + ",uds-path=" + dir.resolve("a.vsock") + ",groups=team",
        "--vm", "guest-cid=4,socket=" + b + ",uds-path=" + dir.resolve("b.vsock")
            + ",groups=other+team",
        "--vm", "guest-cid=5,socket=" + c + ",uds-path=" + dir.resolve("c.vsock")
            + ",groups=other")) {
      Path workA = Files.createDirectories(dir.resolve("a"));
      Path workB = Files.createDirectories(dir.resolve("b"));
      Process qa = GuestVm.start("""
          vt recv 7001 > /tmp/outsider 2>&1 &
          until grep -q listening /tmp/outsider; do sleep 0.2; done
          echo "outsider port ready"
          vt recv 7000
          sleep 5
          if grep -q vt-recv /tmp/outsider; then echo "outsider got in"; exit 1; fi
          """, vsockDevice("a0", a), workA);
      Process qb = GuestVm.start("""
          n=0
          until vt send 3 7000 4194304 4096 5; do
            n=$((n + 1)); [ $n -lt 120 ] || exit 1; sleep 1
          done
          """, vsockDevice("b0", b), workB);
      try {
        // The outsider tries while A listens on 7001.
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (!Files.readString(workA.resolve("console.txt"), StandardCharsets.ISO_8859_1)
            .contains("outsider port ready")) {
          assertTrue(System.nanoTime() < deadline, "guest A never listened");
          Thread.sleep(200);
        }
        try (TestGuest outsider = TestGuest.start(c, 5, 8)) {
          outsider.send(TestGuest.Packet.of(5, 50000, 3, 7001, PacketHeader.OP_REQUEST, 0,
              65536, 0, new byte[0]));
          TestGuest.Packet p = outsider.expect(5000);
          assertEquals(PacketHeader.OP_RST, p.op(), p.toString());
          assertEquals(3, p.srcCid());
        }
        assertTrue(qa.waitFor(BOOT.toSeconds(), TimeUnit.SECONDS), "guest A finished");
        assertTrue(qb.waitFor(BOOT.toSeconds(), TimeUnit.SECONDS), "guest B finished");
      } finally {
        qa.destroyForcibly();
        qb.destroyForcibly();
      }
      String ca = Files.readString(workA.resolve("console.txt"), StandardCharsets.ISO_8859_1);
      String cb = Files.readString(workB.resolve("console.txt"), StandardCharsets.ISO_8859_1);
      String ctx = "--- A ---\n" + ca + "\n--- B ---\n" + cb + "\n--- daemon ---\n" + d.log();
      assertTrue(ca.contains("VHD-RESULT: PASS"), ctx);
      assertTrue(cb.contains("VHD-RESULT: PASS"), ctx);
      assertEquals("4194304", field(ca, "vt-recv", "bytes"), ctx);
      System.out.println("A: " + field(ca, "vt-recv", "sum") + " B: " + field(cb, "vt-send", "sum")
          + " in " + field(cb, "vt-send", "ms") + " ms");
      assertEquals(field(cb, "vt-send", "sum"), field(ca, "vt-recv", "sum"), ctx);
    }
  }
}
