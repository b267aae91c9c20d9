// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.device.spi.SimulatedSpidev.Controller;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/** vhost-device-spi on real sockets (-c 2), driven by the Java frontend in QEMU's order. */
class SpiDaemonTest {
  @TempDir Path dir;

  /** One guest session: init, read the config, start, one full-duplex transfer, stop. */
  static byte[] session(Path sock, byte[] tx, byte[] configOut) throws Exception {
    try (Frontend f = Frontend.connect(sock);
        GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
        FrontendQueue q = new FrontendQueue(0, ram, 64)) {
      f.qemuInit(1);
      byte[] cfg = f.getConfig(0, 32);
      System.arraycopy(cfg, 0, configOut, 0, 32);
      f.start(ram, 0x1_3100_0000L, q);
      long head = ram.alloc(32, 8);
      long txa = ram.alloc(tx.length, 8);
      long rxa = ram.alloc(tx.length, 8);
      long res = ram.alloc(1, 8);
      ram.memory().write(head, MemorySegment.ofArray(
          VirtioSpiDeviceTest.head(0, 8, 1, 1, 0, 1_000_000)));
      ram.memory().write(txa, MemorySegment.ofArray(tx));
      q.driver().publish(q.driver().addChain(new Buffer(head, 32, false),
          new Buffer(txa, tx.length, false), new Buffer(rxa, tx.length, true),
          new Buffer(res, 1, true)));
      q.kick();
      UsedElement e = q.awaitUsed(10_000);
      assertNotNull(e);
      assertEquals(tx.length + 1, e.len());
      byte[] status = new byte[1];
      ram.memory().read(res, MemorySegment.ofArray(status));
      assertEquals(SpiTransferHead.VIRTIO_SPI_TRANS_OK, status[0]);
      byte[] rx = new byte[tx.length];
      ram.memory().read(rxa, MemorySegment.ofArray(rx));
      f.stop(q);
      return rx;
    }
  }

  @Test
  void aSocketInAMissingDirectoryFailsTheStart() throws Exception {
    SpiMain main = new SpiMain();
    new CommandLine(main).parseArgs("-s", dir.resolve("no/such/dir/spi.sock").toString(),
        "--simulate");
    Spidev.Opener opener = main.opener();
    Daemon daemon = new Daemon(SpiMain.SPEC, main.socket,
        i -> VirtioSpiDevice.probe(opener, new ReentrantLock()));
    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, daemon::start);
  }

  @Test
  void twoGuestsTransferThroughTheSimulatedSpidevAndReconnect() throws Exception {
    Path base = dir.resolve("spi.sock");
    SpiMain main = new SpiMain();
    new CommandLine(main).parseArgs("-s", base.toString(), "-c", "2", "--simulate");
    Spidev.Opener opener = main.opener();
    ReentrantLock lock = new ReentrantLock();
    Daemon daemon = new Daemon(SpiMain.SPEC, main.socket,
        i -> VirtioSpiDevice.probe(opener, lock));
    daemon.start();
    try {
      byte[] cfg = new byte[32];
      byte[] tx = "hello spi".getBytes();
      assertArrayEquals(tx, session(dir.resolve("spi.sock0"), tx, cfg), "MOSI looped to MISO");
      VirtioSpiConfig expected = VirtioSpiConfig.probe(
          new SpidevOps(new SimulatedSpidev(Controller.demo())));
      assertArrayEquals(expected.toBytes(), cfg);
      assertArrayEquals(tx, session(dir.resolve("spi.sock1"), tx, cfg));
      // The daemon serves a rebooted guest on the same socket.
      assertArrayEquals(new byte[] {1, 2, 3},
          session(dir.resolve("spi.sock0"), new byte[] {1, 2, 3}, cfg));
    } finally {
      daemon.stop();
    }
  }
}
