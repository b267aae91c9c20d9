// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network backend: a TCP listener (127.0.0.1 unless configured) whose one client is the
 * console. A new client replaces the previous one, as in the Rust daemon. One selector thread
 * moves bytes both ways, never busy-waiting.
 *
 * <p>Output is bounded: while a client is connected a full buffer makes the guest wait (its
 * transmit buffers stay in the ring); with no client the buffer keeps the most recent output,
 * like a scrollback that a client connecting later receives first.
 */
final class TcpBackend implements ConsoleBackend {
  private static final Logger LOG = LoggerFactory.getLogger(TcpBackend.class);
  static final int OUTPUT_CAPACITY = 64 * 1024;
  private static final int READ_CHUNK = 4096;

  private final ServerSocketChannel listener;
  private final Selector selector;
  private final ByteRing output;
  private final ByteBuffer readBuf = ByteBuffer.allocate(READ_CHUNK);
  private final ByteBuffer writeBuf = ByteBuffer.allocate(READ_CHUNK);
  private final byte[] readArr = new byte[READ_CHUNK];
  private volatile SocketChannel client;
  private volatile boolean closed;
  private ConsolePort port;
  private Thread thread;

  /** Binds now, so that a busy port fails the daemon's start and not a later connection. */
  TcpBackend(InetSocketAddress address, int outputCapacity) throws IOException {
    this.output = new ByteRing(outputCapacity);
    this.selector = Selector.open();
    ServerSocketChannel l = ServerSocketChannel.open();
    try {
      l.bind(address);
      l.configureBlocking(false);
    } catch (IOException e) {
      l.close();
      selector.close();
      throw new IOException("cannot listen on " + address.getHostString() + ":"
          + address.getPort() + ": " + e.getMessage(), e);
    }
    this.listener = l;
    writeBuf.flip();
  }

  TcpBackend(InetSocketAddress address) throws IOException {
    this(address, OUTPUT_CAPACITY);
  }

  InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) listener.getLocalAddress();
  }

  boolean hasClient() {
    return client != null;
  }

  @Override
  public void start(ConsolePort port) throws IOException {
    this.port = port;
    listener.register(selector, SelectionKey.OP_ACCEPT);
    thread = Thread.ofPlatform().name("console-tcp-" + localAddress().getPort()).daemon()
        .start(this::loop);
  }

  @Override
  public boolean canAccept(int len) {
    // Refusing with no client would stall the guest forever; refusing a buffer bigger than the
    // whole ring would too. Both go to the scrollback instead.
    return client == null || len > output.capacity() || output.free() >= len;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    if (client == null) {
      output.overwrite(b, off, len);
    } else if (output.offer(b, off, len) < len) {
      output.overwrite(b, off, len); // only for buffers bigger than the ring (see canAccept)
    }
    selector.wakeup();
  }

  @Override
  public void inputDrained() {
    selector.wakeup();
  }

  long droppedOutput() {
    return output.dropped();
  }

  private void loop() {
    try {
      while (!closed) {
        updateInterest();
        selector.select();
        for (SelectionKey k : selector.selectedKeys()) {
          if (!k.isValid()) {
            continue;
          }
          if (k.isAcceptable()) {
            accept();
          } else {
            if (k.isReadable()) {
              readClient();
            }
            if (k.isValid() && k.isWritable()) {
              writeClient();
            }
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.error("console: the TCP backend stopped: {}", e.toString());
      }
    }
  }

  private void updateInterest() {
    SocketChannel c = client;
    if (c == null) {
      return;
    }
    SelectionKey k = c.keyFor(selector);
    if (k == null || !k.isValid()) {
      return;
    }
    int ops = 0;
    if (port.input().free() > 0) {
      ops |= SelectionKey.OP_READ; // a full input ring pushes back on the TCP peer
    }
    if (writeBuf.hasRemaining() || !output.isEmpty()) {
      ops |= SelectionKey.OP_WRITE;
    }
    k.interestOps(ops);
  }

  private void accept() throws IOException {
    SocketChannel c = listener.accept();
    if (c == null) {
      return;
    }
    c.configureBlocking(false);
    SocketChannel old = client;
    if (old != null) {
      LOG.info("console: a new client replaces {}", old.getRemoteAddress());
      dropClient();
    }
    c.register(selector, SelectionKey.OP_READ);
    client = c;
    LOG.info("console: client {} connected", c.getRemoteAddress());
  }

  private void readClient() {
    SocketChannel c = client;
    try {
      readBuf.clear();
      readBuf.limit(Math.min(READ_CHUNK, port.input().free()));
      int n = c.read(readBuf);
      if (n < 0) {
        LOG.info("console: client disconnected");
        dropClient();
        return;
      }
      if (n > 0) {
        readBuf.flip();
        readBuf.get(readArr, 0, n);
        port.input().offer(readArr, 0, n);
        port.inputArrived();
      }
    } catch (IOException e) {
      LOG.info("console: client read failed: {}", e.getMessage());
      dropClient();
    }
  }

  private void writeClient() {
    SocketChannel c = client;
    boolean drained = false;
    try {
      while (true) {
        if (!writeBuf.hasRemaining()) {
          writeBuf.clear();
          int n = output.poll(writeBuf.array(), 0, writeBuf.capacity());
          writeBuf.limit(n);
          drained |= n > 0;
          if (n == 0) {
            break;
          }
        }
        if (c.write(writeBuf) == 0) {
          break;
        }
      }
    } catch (IOException e) {
      LOG.info("console: client write failed: {}", e.getMessage());
      dropClient();
    }
    if (drained) {
      port.outputRoom();
    }
  }

  private void dropClient() {
    SocketChannel c = client;
    client = null;
    writeBuf.clear().flip(); // what was in flight for that client is gone with it
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        LOG.debug("console: closing client: {}", e.getMessage());
      }
    }
    port.outputRoom(); // the guest no longer waits for a client that is gone
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    if (thread != null) {
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      SocketChannel c = client;
      if (c != null) {
        c.close();
      }
      listener.close();
      selector.close();
    } catch (IOException e) {
      LOG.debug("console: closing the TCP backend: {}", e.getMessage());
    }
  }
}
