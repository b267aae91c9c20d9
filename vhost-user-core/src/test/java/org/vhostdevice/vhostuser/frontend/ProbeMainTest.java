// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.runtime.Daemon;
import org.vhostdevice.vhostuser.runtime.DaemonSpec;
import org.vhostdevice.vhostuser.runtime.SocketOptions;
import picocli.CommandLine;

/** {@code vhost-user-probe} against a real daemon listening on a socket path. */
class ProbeMainTest {
  @TempDir Path dir;
  private Path sock;
  private Daemon daemon;

  private record Run(int status, String out, String err) {}

  @BeforeEach
  void startDaemon() throws Exception {
    sock = dir.resolve("reverse.sock");
    SocketOptions options = new SocketOptions();
    // The options' fields are the runtime's own; set them the way the command line does.
    new CommandLine(options).parseArgs("--socket-path", sock.toString());
    daemon = new Daemon(new DaemonSpec("test", "test"), options, i -> new ReverseDevice());
    daemon.start();
  }

  @AfterEach
  void stopDaemon() {
    daemon.stop();
  }

  private static Run probe(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new ProbeMain());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int status = cl.execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void printsFeaturesQueuesSlotsAndConfig() {
    Run r = probe(sock.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("virtio features:    0x0000000170000000  RING_INDIRECT_DESC "
        + "RING_EVENT_IDX VHOST_USER_PROTOCOL_FEATURES VERSION_1\n"), r.out());
    assertTrue(r.out().contains("protocol features:  0x000000000000a209  MQ REPLY_ACK CONFIG "
        + "RESET_DEVICE CONFIGURE_MEM_SLOTS\n"), r.out());
    assertTrue(r.out().contains("queues:             1\n"), r.out());
    assertTrue(r.out().contains("memory slots:       509\n"), r.out());
    assertTrue(r.out().contains("config space:       8 bytes\n  0000  0a 14 1e 28 32 3c 46 50\n"),
        r.out());
  }

  @Test
  void printsJson() {
    Run r = probe("--json", sock.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("\"features\": \"0x0000000170000000\","), r.out());
    assertTrue(r.out().contains("\"feature_names\": [\"RING_INDIRECT_DESC\", \"RING_EVENT_IDX\", "
        + "\"VHOST_USER_PROTOCOL_FEATURES\", \"VERSION_1\"],"), r.out());
    assertTrue(r.out().contains("\"protocol_feature_names\": [\"MQ\", \"REPLY_ACK\", \"CONFIG\", "
        + "\"RESET_DEVICE\", \"CONFIGURE_MEM_SLOTS\"],"), r.out());
    assertTrue(r.out().contains("\"queues\": 1,"), r.out());
    assertTrue(r.out().contains("\"memory_slots\": 509,"), r.out());
    assertTrue(r.out().contains("\"config\": \"0a141e28323c4650\"\n}"), r.out());
  }

  @Test
  void halvesTheConfigReadUntilTheBackendAcceptsIt() {
    Run r = probe("--config-size", "100", sock.toString());
    assertEquals(0, r.status(), r.err());
    // 100, 50, 25 and 12 are beyond the 8-byte space; 6 is accepted.
    assertTrue(r.out().contains("config space:       6 bytes\n  0000  0a 14 1e 28 32 3c\n"),
        r.out());
  }

  @Test
  void leavesTheBackendReadyForItsRealFrontend() throws Exception {
    assertEquals(0, probe(sock.toString()).status());
    try (Frontend f = Frontend.connect(sock);
        GuestRam ram = GuestRam.create(0x10_0000, 1 << 20);
        FrontendQueue q = new FrontendQueue(0, ram, 64)) {
      f.qemuInit(1);
      f.start(ram, VirtioDevice.COMMON_FEATURES, q);
      long buf = ram.alloc(4, 8);
      ram.memory().write(buf, MemorySegment.ofArray(new byte[] {7, 8}));
      q.driver().publish(q.driver().addChain(new Buffer(buf, 2, false),
          new Buffer(buf + 2, 2, true)));
      q.kick();
      assertEquals(2, q.awaitUsed(10_000).len());
      byte[] got = new byte[2];
      ram.memory().read(buf + 2, MemorySegment.ofArray(got));
      assertArrayEquals(new byte[] {8, 7}, got);
    }
  }

  @Test
  void sendsOnlyQueriesAndTheProtocolFeaturesTheyNeed() throws Exception {
    long offered = Frontend.SUPPORTED_PROTOCOL_FEATURES | ProtocolFeatures.BACKEND_REQ;
    try (RecordingBackend b = new RecordingBackend(VirtioDevice.COMMON_FEATURES, offered)) {
      ProbeReport r = ProbeMain.probe(sock, b.front, 16);
      assertEquals(16, r.config().length);
      List<RecordingBackend.Seen> seen = b.requests();
      assertEquals(List.of("GET_FEATURES", "GET_PROTOCOL_FEATURES", "SET_PROTOCOL_FEATURES",
          "GET_QUEUE_NUM", "GET_MAX_MEM_SLOTS", "GET_CONFIG"),
          seen.stream().map(RecordingBackend.Seen::toString).toList());
      assertEquals(ProtocolFeatures.MQ | ProtocolFeatures.CONFIG
          | ProtocolFeatures.CONFIGURE_MEM_SLOTS,
          java.nio.ByteBuffer.wrap(seen.get(2).payload())
              .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
    }
  }

  @Test
  void aSocketNobodyListensOnIsStatusOneNamingIt() {
    Run r = probe(dir.resolve("nobody.sock").toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("nobody.sock"), r.err());
  }

  @Test
  void aSilentBackendTimesOut() throws Exception {
    Path busy = dir.resolve("busy.sock");
    // Bound and listening, but nobody accepts: like a daemon serving another frontend.
    try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
      server.bind(AFUNIXSocketAddress.of(busy));
      Run r = probe("--timeout", "1", busy.toString());
      assertEquals(1, r.status());
      assertTrue(r.err().contains("busy.sock: no answer within 1 s"), r.err());
    }
  }

  @Test
  void aBadConfigSizeIsAUsageError() {
    assertEquals(2, probe("--config-size", "0", sock.toString()).status());
  }

  @Test
  void namesDeviceBitsAndUnknownBits() {
    assertEquals(List.of("device bit 0", "VERSION_1", "RING_PACKED", "bit 42"),
        ProbeReport.featureNames(1L | 1L << 32 | 1L << 34 | 1L << 42));
  }
}
