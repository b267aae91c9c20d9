// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
import java.nio.file.Files;
import java.nio.file.Path;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;

/**
 * The soak's reconnecting frontend: connects to an rng socket the way QEMU does, reads 64 bytes
 * through a started queue, hangs up, and again, once a second, until killed. Every cycle writes
 * "cycles=N failures=M" to the status file. Run with the rng daemon's jar on the class path:
 * {@code java --enable-native-access=ALL-UNNAMED -cp vhost-device-rng.jar ReconnectLoop.java
 * SOCKET STATUS-FILE}.
 */
public final class ReconnectLoop {
  private static final long FEATURES = 0x1_7100_0000L & ~(1L << 30);

  public static void main(String[] args) throws Exception {
    Path sock = Path.of(args[0]);
    Path status = Path.of(args[1]);
    long cycles = 0;
    long failures = 0;
    while (true) {
      try (Frontend f = Frontend.connect(sock);
          GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
          EventFd masked = EventFd.create();
          FrontendQueue q = new FrontendQueue(0, ram, 64)) {
        f.qemuInit(1, masked);
        f.start(ram, FEATURES, q);
        long buf = ram.alloc(64, 8);
        q.driver().publish(q.driver().addChain(new Buffer(buf, 64, true)));
        q.kick();
        UsedElement e = q.awaitUsed(10_000);
        if (e == null || e.len() != 64) {
          failures++;
          System.err.println("cycle " + cycles + ": answer " + e);
        }
      } catch (Exception e) {
        failures++;
        System.err.println("cycle " + cycles + ": " + e);
      }
      cycles++;
      Files.writeString(status, "cycles=" + cycles + " failures=" + failures + "\n");
      Thread.sleep(1000);
    }
  }
}
