// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.testing.DaemonProcess;
import org.vhostdevice.vhostuser.testing.GuestVm;

/**
 * QEMU killed (SIGKILL) while its guest streams data both ways through the vsock daemon: the
 * daemon stays up, logs the disconnect, ends the host-side Unix connections of that guest (the
 * host programs see EOF or a reset within seconds instead of hanging), gives back every
 * descriptor, guest-memory mapping and worker thread of the session, and the next guest on the
 * same daemon transfers data with an equal checksum.
 */
@Tag("guest")
class VsockFaultIT {
  private static final Duration BOOT = Duration.ofMinutes(6);
  private static final long HUGE = 4L << 30; // far more than TCG moves before the kill
  private static final long STARTED = 1L << 20; // "in the middle": this much seen each way
  private static final long EOF_WITHIN_MS = 5000;
  private static final String WORKER = "vhost-vsock-wor"; // comm is cut at 15 characters

  @TempDir Path dir;

  @BeforeAll
  static void needsQemu() throws Exception {
    String why = GuestVm.unavailableReason();
    Assumptions.assumeTrue(why == null, "skipping guest tests: " + why);
    GuestVm.guest();
  }

  private static List<String> vsockDevice(Path socket) {
    return List.of("-chardev", "socket,id=v0,path=" + socket,
        "-device", "vhost-user-vsock-pci,chardev=v0");
  }

  private static String console(Path work) throws IOException {
    Path c = work.resolve("console.txt");
    return Files.exists(c) ? Files.readString(c, StandardCharsets.ISO_8859_1) : "";
  }

  /** How a host-side stream ended: bytes moved, what ended it and when (System.nanoTime). */
  record End(long bytes, String how, long atNanos) {}

  /** One host-side stream, moving bytes until the peer goes away; progress is visible live. */
  static final class Flow {
    final AtomicLong bytes = new AtomicLong();
    final CompletableFuture<End> end = new CompletableFuture<>();

    void finish(String how) {
      end.complete(new End(bytes.get(), how, System.nanoTime()));
    }
  }

  /** Reads until EOF or an error. */
  private static Flow receiving(ServerSocketChannel listener) {
    Flow f = new Flow();
    Thread.ofPlatform().daemon().start(() -> {
      try (SocketChannel ch = listener.accept()) {
        ByteBuffer b = ByteBuffer.allocate(65536);
        int r;
        while ((r = ch.read(b)) >= 0) {
          f.bytes.addAndGet(r);
          b.clear();
        }
        f.finish("EOF");
      } catch (IOException e) {
        f.finish("error: " + e.getMessage());
      } catch (Throwable t) {
        f.end.completeExceptionally(t);
      }
    });
    return f;
  }

  /**
   * Connects to the guest's port and writes until the write fails, or the daemon's side is seen
   * closed (a reader on the same socket notices EOF even while the writer is blocked).
   */
  private static Flow sending(Path uds, int port, long deadline) {
    Flow f = new Flow();
    Thread.ofPlatform().daemon().start(() -> {
      try (SocketChannel ch = HostPeer.connectGuest(uds, port, deadline)) {
        Thread.ofPlatform().daemon().start(() -> {
          try {
            if (ch.read(ByteBuffer.allocate(1)) < 0) {
              f.finish("EOF");
            }
          } catch (IOException e) {
            f.finish("error: " + e.getMessage());
          }
        });
        Stream s = new Stream(7);
        byte[] b = new byte[65536];
        while (!f.end.isDone()) {
          s.fill(b, 0, b.length);
          ByteBuffer buf = ByteBuffer.wrap(b);
          while (buf.hasRemaining()) {
            f.bytes.addAndGet(ch.write(buf));
          }
        }
      } catch (IOException e) {
        f.finish("error: " + e.getMessage());
      } catch (Throwable t) {
        f.end.completeExceptionally(t);
      }
    });
    return f;
  }

  /**
   * Waits for a host stream to end: well past the allowed time, so a failure says how late
   * (or that it never ended) and what the daemon held.
   */
  private static End ended(Flow f, String what, DaemonProcess d, long pid) throws Exception {
    try {
      return f.end.get(4 * EOF_WITHIN_MS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the host's " + what + " socket neither got EOF nor an error "
          + (4 * EOF_WITHIN_MS) + " ms after the kill (" + f.bytes + " bytes moved); daemon "
          + ProcSnapshot.of(pid) + "\n--- daemon ---\n" + d.log(), e);
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void killingQemuMidTransferEndsItsHostConnectionsAndLeavesNothingBehind() throws Exception {
    Path sock = dir.resolve("vm.sock");
    Path uds = dir.resolve("vm.vsock");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "--guest-cid", "3", "--socket", sock.toString(), "--uds-path", uds.toString());
        ServerSocketChannel bulkIn = HostPeer.listen(dir.resolve("vm.vsock_6000"))) {
      long pid = ProcSnapshot.daemonPid(sock);
      ProcSnapshot idle = ProcSnapshot.of(pid);
      long deadline = System.nanoTime() + BOOT.toNanos();

      Flow guestToHost = receiving(bulkIn);
      Flow hostToGuest = sending(uds, 5000, deadline);
      Path work1 = Files.createDirectories(dir.resolve("boot1"));
      Process qemu = GuestVm.start("vt recv 5000 &\nvt send 2 6000 " + HUGE + " 65536 1\n",
          vsockDevice(sock), work1);
      ProcSnapshot busy;
      try {
        while (guestToHost.bytes.get() < STARTED || hostToGuest.bytes.get() < STARTED) {
          assertTrue(qemu.isAlive() && System.nanoTime() < deadline
                  && !guestToHost.end.isDone() && !hostToGuest.end.isDone(),
              "the transfer did not get going: g2h " + guestToHost.bytes + " h2g "
                  + hostToGuest.bytes + "\n" + console(work1) + "\n--- daemon ---\n" + d.log());
          Thread.sleep(100);
        }
        busy = ProcSnapshot.of(pid);
        assertTrue(busy.memfdMappings() > 0, "guest memory is mapped while the guest runs: " + busy);
        assertTrue(busy.threadsNamed(WORKER) > 0, "a worker runs: " + busy.threads());
      } finally {
        qemu.destroyForcibly(); // SIGKILL in the middle of both transfers
      }
      long killed = System.nanoTime();
      long g2hAtKill = guestToHost.bytes.get();
      long h2gAtKill = hostToGuest.bytes.get();
      assertTrue(qemu.waitFor(30, TimeUnit.SECONDS));

      // The host programs must not hang: both streams end within a few seconds of the kill.
      End g2h = ended(guestToHost, "guest->host", d, pid);
      End h2g = ended(hostToGuest, "host->guest", d, pid);
      long g2hMs = TimeUnit.NANOSECONDS.toMillis(g2h.atNanos() - killed);
      long h2gMs = TimeUnit.NANOSECONDS.toMillis(h2g.atNanos() - killed);
      String ends = "g2h ended after " + g2hMs + " ms (" + g2h.how() + "), h2g after " + h2gMs
          + " ms (" + h2g.how() + ")\n--- daemon ---\n" + d.log();
      assertTrue(g2hMs < EOF_WITHIN_MS && h2gMs < EOF_WITHIN_MS, ends);
      assertTrue(g2h.bytes() < HUGE && h2g.bytes() < HUGE, "the kill came mid-transfer");

      ProcSnapshot after = ProcSnapshot.of(pid);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((after.memfdMappings() > 0 || after.threadsNamed(WORKER) > 0
          || after.sessionFds() != idle.sessionFds()) && System.nanoTime() < until) {
        Thread.sleep(200);
        after = ProcSnapshot.of(pid);
      }
      assertEquals(0, after.memfdMappings(), "guest memory still mapped: " + after);
      assertEquals(0, after.threadsNamed(WORKER), "worker threads left: " + after.threads());
      assertEquals(idle.sessionFds(), after.sessionFds(),
          "descriptors before " + idle.fds() + "\nafter " + after.fds());
      assertTrue(after.fds().size() <= idle.fds().size() + 2,
          "descriptors before " + idle.fds() + "\nafter " + after.fds());
      assertEquals(List.of(), after.newThreadsSince(idle),
          "threads before " + idle.threads() + "\nafter " + after.threads());
      assertTrue(d.isAlive(), d.log());
      String log = d.log();
      assertTrue(log.contains("frontend disconnected"), log);

      // The next guest on the same daemon: a small transfer with the known checksum.
      CompletableFuture<HostPeer.Seen> again = new CompletableFuture<>();
      Thread.ofPlatform().daemon().start(() -> {
        try (SocketChannel ch = bulkIn.accept()) {
          again.complete(HostPeer.receive(ch, false));
        } catch (Throwable t) {
          again.completeExceptionally(t);
        }
      });
      GuestVm.Result r2 = GuestVm.boot("vt send 2 6000 1048576 4096 1\n", vsockDevice(sock), BOOT,
          Files.createDirectories(dir.resolve("boot2")));
      assertTrue(r2.passed(), r2.console() + "\n--- daemon ---\n" + d.log());
      HostPeer.Seen seen = again.get(30, TimeUnit.SECONDS);
      assertEquals(1L << 20, seen.bytes());
      assertEquals("8a70ceca7256211c", Stream.hex(seen.sum()));
      assertTrue(r2.console().contains("vt-send bytes=1048576 sum=8a70ceca7256211c"), r2.console());

      System.err.printf("[VsockFaultIT] idle: %d fds (%d session), %d threads; busy: %d fds"
              + " (%d session), %d memfd mappings, %d threads; at the kill g2h=%d h2g=%d bytes;"
              + " host g2h stream ended after %d ms (%s, %d bytes), h2g after %d ms (%s, %d bytes);"
              + " after the kill: %d fds (%d session), %d memfd mappings, %d threads%n",
          idle.fds().size(), idle.sessionFds(), idle.threads().size(), busy.fds().size(),
          busy.sessionFds(), busy.memfdMappings(), busy.threads().size(), g2hAtKill, h2gAtKill,
          g2hMs, g2h.how(), g2h.bytes(), h2gMs, h2g.how(), h2g.bytes(), after.fds().size(),
          after.sessionFds(), after.memfdMappings(), after.threads().size());
      assertEquals(0, d.stop(), d.log());
    }
  }

  /**
   * What the daemon process holds, read from /proc: open descriptors (by target), mappings of
   * guest memory (memfd) and threads (by name).
   */
  record ProcSnapshot(List<String> fds, long memfdMappings, List<String> threads) {
    static ProcSnapshot of(long pid) throws IOException {
      Path proc = Path.of("/proc", Long.toString(pid));
      List<String> fds = new ArrayList<>();
      try (java.util.stream.Stream<Path> s = Files.list(proc.resolve("fd"))) {
        for (Path fd : s.toList()) {
          try {
            fds.add(Files.readSymbolicLink(fd).toString());
          } catch (IOException closedMeanwhile) {
            // closed between list and readlink
          }
        }
      }
      fds.sort(null);
      long memfd = Files.readAllLines(proc.resolve("maps")).stream()
          .filter(l -> l.contains("memfd:")).count();
      List<String> threads = new ArrayList<>();
      try (java.util.stream.Stream<Path> s = Files.list(proc.resolve("task"))) {
        for (Path t : s.toList()) {
          try {
            threads.add(Files.readString(t.resolve("comm")).trim());
          } catch (IOException exited) {
            // the thread ended meanwhile
          }
        }
      }
      threads.sort(null);
      return new ProcSnapshot(fds, memfd, threads);
    }

    /** Descriptors that come and go with a frontend or a connection. */
    long sessionFds() {
      return fds.stream().filter(f -> f.startsWith("socket:") || f.startsWith("anon_inode:")
          || f.contains("memfd:")).count();
    }

    /** Threads not there in {@code before}, leaving out the JVM's on-demand JIT compilers. */
    List<String> newThreadsSince(ProcSnapshot before) {
      List<String> left = new ArrayList<>(before.threads);
      List<String> added = new ArrayList<>();
      for (String t : threads) {
        if (!left.remove(t) && !t.contains("CompilerThre")) {
          added.add(t);
        }
      }
      return added;
    }

    long threadsNamed(String prefix) {
      return threads.stream().filter(t -> t.startsWith(prefix)).count();
    }

    /** The daemon started by this test, found by its socket argument. */
    static long daemonPid(Path socketArg) {
      return ProcessHandle.current().descendants()
          .filter(p -> p.info().commandLine().orElse("").contains(socketArg.toString()))
          .filter(p -> p.info().command().orElse("").endsWith("java"))
          .findFirst().orElseThrow(() -> new IllegalStateException("no daemon for " + socketArg))
          .pid();
    }
  }
}
