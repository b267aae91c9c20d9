// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Memfd;
import org.vhostdevice.sys.Mman;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringFdRef;
import org.vhostdevice.vhostuser.protocol.VringState;
import org.vhostdevice.vhostuser.testing.NullDevice;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * Frontends that come and go at random points of the QEMU sequence, or break the protocol, leave
 * nothing behind in the daemon: no fd, no thread, no guest mapping; and the next one is served.
 */
class DaemonReconnectTest {
  private static final long RAM_GPA = 0x10_0000;
  private static final long RAM_SIZE = 256 * 1024;

  @TempDir Path dir;

  private Daemon startDaemon(Path sock) throws Exception {
    SocketOptions o = new SocketOptions();
    o.socketPath = sock;
    o.logLevel = "error";
    Daemon d = new Daemon(new DaemonSpec("null", "test"), o, i -> new NullDevice(2, 256), Map.of());
    Logging.configure("error", 0);
    d.start();
    return d;
  }

  private static long count(Path dirOrFile, String contains) throws IOException {
    if (Files.isDirectory(dirOrFile)) {
      try (var s = Files.list(dirOrFile)) {
        return s.count();
      }
    }
    return Files.readAllLines(dirOrFile).stream().filter(l -> l.contains(contains)).count();
  }

  /** What the open fds are, for the failure message. */
  private static String fdKinds() {
    java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        try {
          String k = Files.readSymbolicLink(p).toString().replaceAll("[0-9]+", "N");
          kinds.merge(k, 1, Integer::sum);
        } catch (IOException gone) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      return e.toString();
    }
    return kinds.toString();
  }

  private static long sessionThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("vhost-null-worker"))
        .count();
  }

  /** One frontend that stops after {@code steps} steps of QEMU's start sequence. */
  private static void partialFrontend(Path sock, int steps, boolean garbage, Random rnd)
      throws Exception {
    try (Connection c = Connection.connect(sock);
        Arena arena = Arena.ofShared();
        OwnedFd memfd = Memfd.create("cycle", RAM_SIZE);
        EventFd kick = EventFd.create();
        EventFd call = EventFd.create()) {
      MemorySegment ram = Mman.mapShared(memfd.fd(), 0, RAM_SIZE, arena);
      GuestRegion region = GuestRegion.ofSegment(RAM_GPA, ram.address(), ram, null);
      GuestMemory mem = GuestMemory.of(List.of(region));
      region.release();
      try {
        DriverQueue d = DriverQueue.layout(mem, 64, RAM_GPA);
        long va = ram.address() - RAM_GPA;
        int v = Header.VERSION;
        for (int step = 0; step < steps; step++) {
          switch (step) {
            case 0 -> reply(c, FrontendRequest.GET_FEATURES, new byte[0]);
            case 1 -> reply(c, FrontendRequest.GET_PROTOCOL_FEATURES, new byte[0]);
            case 2 -> c.send(FrontendRequest.SET_PROTOCOL_FEATURES.code(), v, Payloads.encodeU64(0x9));
            case 3 -> c.send(FrontendRequest.SET_OWNER.code(), v, new byte[0]);
            case 4 -> c.send(FrontendRequest.SET_VRING_CALL.code(), v,
                new VringFdRef(1, false).encode(), call.fd());
            case 5 -> c.send(FrontendRequest.SET_FEATURES.code(), v,
                Payloads.encodeU64(org.vhostdevice.vhostuser.device.VirtioDevice.COMMON_FEATURES));
            case 6 -> c.send(FrontendRequest.SET_MEM_TABLE.code(), v, new MemoryTable(List.of(
                new MemoryRegionDescriptor(RAM_GPA, RAM_SIZE, ram.address(), 0))).encode(),
                memfd.fd());
            case 7 -> c.send(FrontendRequest.SET_VRING_NUM.code(), v, new VringState(0, 64).encode());
            case 8 -> c.send(FrontendRequest.SET_VRING_ADDR.code(), v, new VringAddress(0, 0,
                d.descTable() + va, d.usedRing() + va, d.availRing() + va, 0).encode());
            case 9 -> c.send(FrontendRequest.SET_VRING_KICK.code(), v,
                new VringFdRef(0, false).encode(), kick.fd());
            case 10 -> c.send(FrontendRequest.SET_VRING_CALL.code(), v,
                new VringFdRef(0, false).encode(), call.fd());
            case 11 -> c.send(FrontendRequest.SET_VRING_ENABLE.code(), v, new VringState(0, 1).encode());
            default -> {
              d.publish(d.addChain(new DriverQueue.Buffer(RAM_GPA + 0x10000, 64, true)));
              kick.signal();
              while (d.pollUsed() != null) {
                // reap whatever came back
              }
            }
          }
        }
        if (garbage) {
          byte[] junk = new byte[1 + rnd.nextInt(20)];
          rnd.nextBytes(junk);
          c.sendRaw(junk);
        }
        if (rnd.nextBoolean()) {
          // Sometimes wait for the backend to have digested everything before hanging up.
          reply(c, FrontendRequest.GET_FEATURES, new byte[0]);
        }
      } catch (IOException e) {
        // the backend may close first (garbage): that is the point
      } finally {
        mem.release();
      }
    }
  }

  private static void reply(Connection c, FrontendRequest r, byte[] payload) throws IOException {
    c.send(r.code(), Header.VERSION, payload);
    try (Message m = c.receiveReply(r.code())) {
      m.size();
    }
  }

  @Test
  void twoHundredRandomConnectionsLeaveNoFdThreadOrMappingBehind() throws Exception {
    Path sock = dir.resolve("null.sock");
    Daemon daemon = startDaemon(sock);
    try {
      // Warm up once so that lazily created JDK and junixsocket resources are in the baseline.
      partialFrontend(sock, 14, false, new Random(0));
      awaitNoSessionThreads();
      long fds = count(Path.of("/proc/self/fd"), null);
      long maps = count(Path.of("/proc/self/maps"), "memfd:");
      Random rnd = new Random(42);
      for (int i = 0; i < 200; i++) {
        partialFrontend(sock, rnd.nextInt(15), rnd.nextInt(4) == 0, rnd);
      }
      awaitNoSessionThreads();
      assertEquals(fds, count(Path.of("/proc/self/fd"), null), () -> "fds leaked: " + fdKinds());
      assertEquals(maps, count(Path.of("/proc/self/maps"), "memfd:"), "guest mappings leaked");
      assertEquals(0, sessionThreads(), "worker threads leaked");
      // And the daemon still serves a complete frontend.
      partialFrontend(sock, 14, false, new Random(1));
    } finally {
      daemon.stop();
    }
  }

  @Test
  void aProtocolErrorEndsOnlyThatSession() throws Exception {
    Path sock = dir.resolve("null.sock");
    Daemon daemon = startDaemon(sock);
    try (Connection bad = Connection.connect(sock)) {
      bad.send(FrontendRequest.GET_FEATURES.code(), 0x2, new byte[0]); // version 2
      assertNull(bad.receive(), "the backend should close after a protocol error");
      try (Connection good = Connection.connect(sock)) {
        good.send(FrontendRequest.GET_FEATURES.code(), Header.VERSION, new byte[0]);
        try (Message m = good.receiveReply(FrontendRequest.GET_FEATURES.code())) {
          assertEquals(VirtioDevice.COMMON_FEATURES, Payloads.decodeU64(m));
        }
      }
    } finally {
      daemon.stop();
    }
  }

  private static void awaitNoSessionThreads() throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (sessionThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    // The serving thread closes the connection after the workers; give it a moment.
    Thread.sleep(100);
  }

  @Test
  void theDeviceIsClosedWhenItsFrontendHangsUp() throws Exception {
    Path sock = dir.resolve("close.sock");
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    SocketOptions o = new SocketOptions();
    o.socketPath = sock;
    Daemon d = new Daemon(new DaemonSpec("null", "test"), o, i -> new VirtioDevice() {
      @Override
      public String name() {
        return "closing";
      }

      @Override
      public int deviceType() {
        return 42;
      }

      @Override
      public long features() {
        return COMMON_FEATURES;
      }

      @Override
      public int numQueues() {
        return 1;
      }

      @Override
      public int maxQueueSize(int queue) {
        return 64;
      }

      @Override
      public void handleQueue(int queue, org.vhostdevice.vhostuser.device.VirtQueue vq) {}

      @Override
      public void close() {
        closed.countDown();
      }
    }, Map.of());
    Logging.configure("error", 0);
    d.start();
    try {
      try (org.vhostdevice.vhostuser.frontend.Frontend f =
          org.vhostdevice.vhostuser.frontend.Frontend.connect(sock)) {
        f.getFeatures();
        assertEquals(1, closed.getCount(), "closed while its frontend is still connected");
      }
      org.junit.jupiter.api.Assertions.assertTrue(
          closed.await(10, java.util.concurrent.TimeUnit.SECONDS), "device never closed");
    } finally {
      d.stop();
    }
  }
}
