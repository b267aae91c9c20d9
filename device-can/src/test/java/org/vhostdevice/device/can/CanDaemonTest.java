// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/** vhost-device-can on real sockets: two guests on one simulated bus talk to each other. */
class CanDaemonTest {
  @TempDir Path dir;

  @Test
  void aSocketInAMissingDirectoryFailsTheStart() throws Exception {
    CanMain main = new CanMain();
    new CommandLine(main).parseArgs("-s", dir.resolve("no/such/dir/can.sock").toString(),
        "-d", "sim0", "--simulate");
    CanBus.Opener opener = main.opener();
    Daemon daemon = new Daemon(CanMain.SPEC, main.socket,
        i -> VirtioCanDevice.probe("sim0", opener));
    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, daemon::start);
  }

  @Test
  void twoGuestsOnOneSimulatedBusExchangeFrames() throws Exception {
    CanMain main = new CanMain();
    new CommandLine(main).parseArgs("-s", dir.resolve("can.sock").toString(), "-c", "2",
        "-d", "sim0 sim0", "--simulate");
    List<String> names = main.interfaces();
    CanBus.Opener opener = main.opener();
    Daemon daemon = new Daemon(CanMain.SPEC, main.socket,
        i -> VirtioCanDevice.probe(names.get(i), opener));
    daemon.start();
    try (CanGuest a = new CanGuest(dir.resolve("can.sock0"));
        CanGuest b = new CanGuest(dir.resolve("can.sock1"))) {
      assertEquals(0x1_7100_0003L, a.offered);
      assertEquals(0, a.status());
      a.start();
      b.start();
      assertEquals(VirtioCan.VIRTIO_CAN_RESULT_OK, a.control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START));
      assertEquals(VirtioCan.VIRTIO_CAN_RESULT_OK, b.control(VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START));
      long buf = b.postRx();
      long own = a.postRx();
      assertEquals(VirtioCan.VIRTIO_CAN_RESULT_OK, a.send(0, 0x321, (byte) 1, (byte) 2));
      ByteBuffer got = b.awaitRx(buf, 10_000);
      assertNotNull(got);
      assertEquals(0x321, got.getInt(VirtioCan.FRAME_CAN_ID));
      assertEquals(2, got.getShort(VirtioCan.FRAME_LENGTH));
      assertEquals(2, got.get(VirtioCan.FRAME_SDU + 1));
      assertNull(a.awaitRx(own, 300), "the sender does not get its own frame back");
      a.stop();
      b.stop();
    } finally {
      daemon.stop();
    }
  }
}
