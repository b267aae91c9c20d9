// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A minimal QMP client: capabilities, then one command at a time, answers as raw JSON lines. */
final class Qmp implements AutoCloseable {
  private final SocketChannel channel;
  private final BufferedReader in;
  private final Writer out;

  private Qmp(SocketChannel channel) {
    this.channel = channel;
    this.in = new BufferedReader(Channels.newReader(channel, StandardCharsets.UTF_8));
    this.out = Channels.newWriter(channel, StandardCharsets.UTF_8);
  }

  /** Connects (waiting up to 30 s for QEMU to create the socket) and leaves negotiation mode. */
  static Qmp connect(Path socket) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        Qmp q = new Qmp(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        q.in.readLine(); // greeting
        q.execute("{\"execute\":\"qmp_capabilities\"}");
        return q;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !Files.exists(socket.getParent())) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /** Sends one command and returns its answer line (events before it are skipped). */
  String execute(String json) throws IOException {
    out.write(json + "\n");
    out.flush();
    while (true) {
      String line = in.readLine();
      if (line == null) {
        throw new IOException("QMP closed while waiting for the answer to " + json);
      }
      if (line.contains("\"return\"") || line.contains("\"error\"")) {
        return line;
      }
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
