// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.vhostdevice.vhostuser.device.DeviceFactory;

class DaemonOptionsTest {
  private static final DaemonSpec SPEC = new DaemonSpec("test", "rng");
  private static final DeviceFactory NO_DEVICE =
      i -> {
        throw new IOException("no device in this test");
      };

  @TempDir Path dir;

  private static Daemon daemon(SocketOptions options, Map<String, String> env) {
    return new Daemon(SPEC, options, NO_DEVICE, env);
  }

  @Test
  void printCapabilitiesWritesQemuJsonAndBindsNothing() throws Exception {
    SocketOptions o = new SocketOptions();
    o.printCapabilities = true;
    o.socketPath = dir.resolve("never.sock");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = daemon(o, Map.of()).run(new PrintStream(out, true, StandardCharsets.UTF_8));
    assertEquals(0, status);
    assertEquals("{\n  \"type\": \"rng\",\n  \"features\": []\n}\n",
        out.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(o.socketPath));
  }

  @Test
  void capabilitiesListFeatures() {
    DaemonSpec spec = new DaemonSpec("gpu", "gpu", java.util.List.of("render-node", "virgl"));
    assertEquals(
        "{\n  \"type\": \"gpu\",\n  \"features\": [\n    \"render-node\",\n    \"virgl\"\n  ]\n}",
        spec.capabilitiesJson());
  }

  @Test
  void pathAndFdTogetherIsAUsageError() {
    SocketOptions o = new SocketOptions();
    o.socketPath = dir.resolve("a.sock");
    o.socketFd = 3;
    UsageException e = assertThrows(UsageException.class, () -> daemon(o, Map.of()).start());
    assertTrue(e.getMessage().contains("cannot be used together"), e.getMessage());
  }

  @Test
  void noSocketAtAllIsAUsageError() {
    UsageException e =
        assertThrows(UsageException.class, () -> daemon(new SocketOptions(), Map.of()).start());
    assertTrue(e.getMessage().contains("--socket-path"), e.getMessage());
  }

  @Test
  void socketActivationForAnotherProcessIsIgnored() {
    Map<String, String> env = Map.of("LISTEN_FDS", "1", "LISTEN_PID", "1");
    assertThrows(UsageException.class, () -> daemon(new SocketOptions(), env).start());
  }

  @Test
  void zeroSocketCountIsRefusedLikeRust() {
    MultiSocketOptions o = new MultiSocketOptions();
    o.socketPath = dir.resolve("rng.sock");
    o.socketCount = 0;
    UsageException e = assertThrows(UsageException.class, () -> daemon(o, Map.of()).start());
    assertEquals("Wrong socket count: 0", e.getMessage());
  }

  @Test
  void unknownLogLevelIsAUsageError() {
    SocketOptions o = new SocketOptions();
    o.logLevel = "loud";
    o.printCapabilities = true;
    assertThrows(UsageException.class, () -> daemon(o, Map.of()).run(System.out));
  }

  @Test
  void socketCountAppendsTheIndexEvenForOne() throws Exception {
    MultiSocketOptions o = new MultiSocketOptions();
    o.socketPath = dir.resolve("rng.sock");
    o.socketCount = 2;
    Daemon d = daemon(o, Map.of());
    d.start();
    try {
      assertTrue(Files.exists(dir.resolve("rng.sock0")));
      assertTrue(Files.exists(dir.resolve("rng.sock1")));
      assertFalse(Files.exists(dir.resolve("rng.sock")));
    } finally {
      d.stop();
    }
    assertFalse(Files.exists(dir.resolve("rng.sock0")), "socket files are removed at stop");
  }

  @Test
  void refusesToReplaceARegularFile() throws Exception {
    Path file = Files.writeString(dir.resolve("precious.txt"), "keep me");
    SocketOptions o = new SocketOptions();
    o.socketPath = file;
    IOException e = assertThrows(IOException.class, () -> daemon(o, Map.of()).start());
    assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
    assertEquals("keep me", Files.readString(file));
  }

  @Test
  void replacesAStaleSocketFile() throws Exception {
    Path path = dir.resolve("stale.sock");
    AFUNIXServerSocket dead = AFUNIXServerSocket.newInstance();
    dead.bind(AFUNIXSocketAddress.of(path));
    dead.close();
    if (!Files.exists(path)) {
      // junixsocket removed it on close; recreate a socket file nobody listens on
      AFUNIXServerSocket again = AFUNIXServerSocket.newInstance();
      again.bind(AFUNIXSocketAddress.of(path));
      again.setDeleteOnClose(false);
      again.close();
    }
    SocketOptions o = new SocketOptions();
    o.socketPath = path;
    Daemon d = daemon(o, Map.of());
    d.start();
    d.stop();
  }

  @Test
  void refusesASocketAnotherBackendIsServing() throws Exception {
    Path path = dir.resolve("busy.sock");
    try (AFUNIXServerSocket live = AFUNIXServerSocket.newInstance()) {
      live.bind(AFUNIXSocketAddress.of(path));
      SocketOptions o = new SocketOptions();
      o.socketPath = path;
      IOException e = assertThrows(IOException.class, () -> daemon(o, Map.of()).start());
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
  }

  @Test
  void inheritedFdThatIsNotASocketIsRefused() throws Exception {
    try (var fd = org.vhostdevice.sys.EventFd.create()) {
      SocketOptions o = new SocketOptions();
      o.socketFd = fd.fd();
      assertThrows(IOException.class, () -> daemon(o, Map.of()).start());
    }
  }
}
