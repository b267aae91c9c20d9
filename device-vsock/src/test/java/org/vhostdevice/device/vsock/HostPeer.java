// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Host programs for the guest tests: hybrid-vsock clients and listeners on plain Unix sockets. */
final class HostPeer {
  private HostPeer() {}

  /** What one side saw of a stream: byte count and FNV-1a checksum. */
  record Seen(long bytes, long sum) {
    @Override
    public String toString() {
      return "bytes=" + bytes + " sum=" + Stream.hex(sum);
    }
  }

  /**
   * Connects through the daemon's hybrid-vsock socket to guest {@code port}, retrying (the guest
   * may not listen yet, which the daemon reports by closing the socket) until {@code deadline}.
   */
  static SocketChannel connectGuest(Path uds, int port, long deadlineNanos) throws Exception {
    byte[] expect = ("OK " + port + "\n").getBytes(StandardCharsets.US_ASCII);
    while (true) {
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        ch.connect(UnixDomainSocketAddress.of(uds));
        writeAll(ch, ("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
        ByteBuffer ok = ByteBuffer.allocate(expect.length);
        while (ok.hasRemaining() && ch.read(ok) >= 0) {
          // read the OK line
        }
        if (!ok.hasRemaining() && java.util.Arrays.equals(ok.array(), expect)) {
          return ch;
        }
      } catch (IOException e) {
        // not there yet
      }
      ch.close();
      if (System.nanoTime() > deadlineNanos) {
        throw new IOException("guest port " + port + " never accepted");
      }
      Thread.sleep(250);
    }
  }

  static ServerSocketChannel listen(Path path) throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    s.bind(UnixDomainSocketAddress.of(path), 256);
    return s;
  }

  static void writeAll(SocketChannel ch, byte[] b) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** Sends {@code bytes} of stream {@code seed} in {@code chunk}-byte writes; returns the sum. */
  static Seen send(SocketChannel ch, long seed, long bytes, int chunk) throws IOException {
    Stream s = new Stream(seed);
    byte[] b = new byte[chunk];
    long h = Stream.FNV_START;
    long left = bytes;
    while (left > 0) {
      int n = (int) Math.min(chunk, left);
      s.fill(b, 0, n);
      h = Stream.fnv(h, b, 0, n);
      ByteBuffer buf = ByteBuffer.wrap(b, 0, n);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      left -= n;
    }
    return new Seen(bytes, h);
  }

  /** Reads to EOF; with {@code echo} writes every byte back first. */
  static Seen receive(SocketChannel ch, boolean echo) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(65536);
    long h = Stream.FNV_START;
    long n = 0;
    while (true) {
      int r = ch.read(b);
      if (r < 0) {
        return new Seen(n, h);
      }
      h = Stream.fnv(h, b.array(), 0, r);
      n += r;
      if (echo) {
        b.flip();
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      b.clear();
    }
  }

  static String readAll(SocketChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4096);
    while (ch.read(b) >= 0 && b.hasRemaining()) {
      // until EOF
    }
    return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
  }
}
