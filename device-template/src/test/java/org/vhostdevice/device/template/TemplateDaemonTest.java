// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.frontend.Frontend;
import org.vhostdevice.vhostuser.frontend.FrontendQueue;
import org.vhostdevice.vhostuser.frontend.GuestRam;
import org.vhostdevice.vhostuser.frontend.ProbeMain;
import org.vhostdevice.vhostuser.runtime.Daemon;
import picocli.CommandLine;

/** The template daemon on a real socket path, driven by the Java frontend as QEMU would. */
class TemplateDaemonTest {
  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @TempDir Path dir;
  private Path sock;
  private Daemon daemon;

  @BeforeEach
  void start() throws Exception {
    sock = dir.resolve("foo.sock");
    TemplateMain main = new TemplateMain();
    new CommandLine(main).parseArgs("-s", sock.toString(), "--log-level", "warn");
    daemon = new Daemon(TemplateMain.SPEC, main.socket, i -> new TemplateDevice());
    daemon.start();
  }

  @AfterEach
  void stop() {
    daemon.stop();
  }

  private void serveOneGuest(int a, int b, int c) throws Exception {
    try (Frontend f = Frontend.connect(sock);
        GuestRam ram = GuestRam.create(0x4000_0000L, 1 << 20);
        EventFd masked = EventFd.create();
        FrontendQueue q = new FrontendQueue(0, ram, 128)) {
      f.qemuInit(1, masked);
      f.start(ram, new TemplateDevice().features(), q);
      long header = ram.alloc(8, 8);
      long out = ram.alloc(5, 8);
      MemorySegment h = ram.memory().slice(header, 8);
      h.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, (short) a);
      h.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2, (short) b);
      h.set(U32, 4, c);
      int head = q.driver().addChain(new Buffer(header, 8, false), new Buffer(out, 5, true));
      q.driver().publish(head);
      q.kick();
      UsedElement e = q.awaitUsed(10_000);
      assertNotNull(e, "no answer from the daemon");
      assertEquals(head, e.id());
      assertEquals(5, e.len());
      assertEquals(a + b + c, ram.memory().slice(out, 4).get(U32, 0));
      assertEquals(TemplateDevice.STATUS_OK, ram.memory().slice(out + 4, 1).get(ValueLayout.JAVA_BYTE, 0));
      f.stop(q);
    }
  }

  @Test
  void servesTheJavaFrontendOverARealSocket() throws Exception {
    serveOneGuest(1, 2, 3);
  }

  @Test
  void servesOneGuestAfterAnother() throws Exception {
    for (int i = 0; i < 5; i++) {
      serveOneGuest(i, i, i);
    }
  }

  @Test
  void probePrintsTheTemplateFeatures() throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new ProbeMain());
    cl.setOut(new PrintWriter(out));
    assertEquals(0, cl.execute(sock.toString()));
    assertTrue(out.toString().contains("0x0000000171000000"), out.toString());
    assertTrue(out.toString().contains("queues:             1"), out.toString());
    // The daemon still serves a guest after being probed.
    serveOneGuest(7, 8, 9);
  }
}
