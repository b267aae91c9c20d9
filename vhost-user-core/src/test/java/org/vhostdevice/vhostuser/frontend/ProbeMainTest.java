// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.vhostdevice.vhostuser.backend.BackendSession;
import org.vhostdevice.vhostuser.transport.Connection;
import picocli.CommandLine;

class ProbeMainTest {
  @TempDir Path dir;

  private record Run(int status, String out, String err) {}

  private Run probe(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new ProbeMain());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int status = cl.execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  /** Serves exactly one session on {@code path} with the reverse device. */
  private Thread serveOnce(Path path) throws Exception {
    AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
    server.bind(AFUNIXSocketAddress.of(path));
    return Thread.ofPlatform().start(() -> {
      try (server) {
        AFUNIXSocket s = server.accept();
        new BackendSession(new FrontendTest.ReverseDevice(), Connection.of(s)).serve();
      } catch (Exception e) {
        // ends with the probe
      }
    });
  }

  @Test
  void printsFeaturesQueuesAndConfig() throws Exception {
    Path sock = dir.resolve("b.sock");
    Thread t = serveOnce(sock);
    Run r = probe(sock.toString());
    t.join(5000);
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("virtio features:    0x0000000170000000  RING_INDIRECT_DESC "
        + "RING_EVENT_IDX VHOST_USER_PROTOCOL_FEATURES VERSION_1"), r.out());
    assertTrue(r.out().contains("queues:             1"), r.out());
    assertTrue(r.out().contains("memory slots:       509"), r.out());
    assertTrue(r.out().contains("config space:       8 bytes"), r.out());
    assertTrue(r.out().contains("0000  0a 14 1e 28 32 3c 46 50"), r.out());
  }

  @Test
  void jsonOutput() throws Exception {
    Path sock = dir.resolve("b.sock");
    Thread t = serveOnce(sock);
    Run r = probe("--json", sock.toString());
    t.join(5000);
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("\"features\": \"0x0000000170000000\""), r.out());
    assertTrue(r.out().contains("\"queues\": 1"), r.out());
    assertTrue(r.out().contains("\"config\": \"0a141e28323c4650\""), r.out());
  }

  @Test
  void aMissingSocketIsStatusOneWithTheReason() {
    Run r = probe(dir.resolve("none.sock").toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("none.sock"), r.err());
  }

  @Test
  void featureNamesCoverDeviceBits() {
    assertEquals(java.util.List.of("device bit 0", "VERSION_1"),
        ProbeMain.featureNames(1L | 1L << 32));
  }
}
