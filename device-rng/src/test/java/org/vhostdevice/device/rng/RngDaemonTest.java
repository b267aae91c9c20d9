// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/** vhost-device-rng on real sockets, two guests (-c 2) sharing one source through the frontend. */
class RngDaemonTest {
  @TempDir Path dir;

  private static byte[] read(Path sock, int n) throws Exception {
    try (Frontend f = Frontend.connect(sock);
        GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
        EventFd masked = EventFd.create();
        FrontendQueue q = new FrontendQueue(0, ram, 64)) {
      f.qemuInit(1, masked);
      f.start(ram, 0x1_7100_0000L & ~(1L << 30), q);
      long buf = ram.alloc(n, 8);
      q.driver().publish(q.driver().addChain(new Buffer(buf, n, true)));
      q.kick();
      UsedElement e = q.awaitUsed(10_000);
      assertNotNull(e);
      assertEquals(n, e.len());
      byte[] got = new byte[n];
      ram.memory().read(buf, MemorySegment.ofArray(got));
      return got;
    }
  }

  @Test
  void twoGuestsShareTheSourceAndEachGetsFreshBytes() throws Exception {
    byte[] entropy = new byte[4096];
    new java.util.Random(3).nextBytes(entropy);
    Path src = Files.write(dir.resolve("entropy"), entropy);
    Path base = dir.resolve("rng.sock");
    RngMain main = new RngMain();
    new CommandLine(main).parseArgs("-s", base.toString(), "-c", "2", "-f", src.toString(),
        "--log-level", "warn");
    EntropySource shared = EntropySource.open(src);
    Daemon daemon = new Daemon(RngMain.SPEC, main.socket,
        i -> new RngDevice(shared, 1_000_000_000L, Long.MAX_VALUE, System::nanoTime));
    daemon.start();
    try {
      byte[] first = read(dir.resolve("rng.sock0"), 100);
      byte[] second = read(dir.resolve("rng.sock1"), 100);
      assertArrayEquals(Arrays.copyOf(entropy, 100), first);
      assertArrayEquals(Arrays.copyOfRange(entropy, 100, 200), second);
      // The daemon serves a rebooted guest on the same socket.
      assertArrayEquals(Arrays.copyOfRange(entropy, 200, 300), read(dir.resolve("rng.sock0"), 100));
    } finally {
      daemon.stop();
      shared.close();
    }
  }
}
