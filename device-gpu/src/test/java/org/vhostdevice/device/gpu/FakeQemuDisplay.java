// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.vhostdevice.sys.OwnedFd;

/**
 * QEMU's end of the vhost-user-gpu display socket, as hw/display/vhost-user-gpu.c behaves:
 * answers GET_PROTOCOL_FEATURES (EDID), GET_DISPLAY_INFO and GET_EDID, keeps a surface per
 * scanout that UPDATE messages paint, and records every message. It can be told to stop reading
 * (a stalled peer) or to ignore requests (an old peer).
 */
final class FakeQemuDisplay implements AutoCloseable {
  /** One message received: request code and payload. */
  record Msg(int request, byte[] payload) {
    ByteBuffer buf() {
      return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  private static final long FOREVER = Long.MAX_VALUE / 4;

  final BlockingQueue<Msg> received = new LinkedBlockingQueue<>();
  private final DisplaySocket socket;
  private final Thread thread;
  volatile long features = VhostUserGpuDisplay.PROTOCOL_F_EDID;
  volatile boolean answerFeatures = true;
  volatile boolean stalled;
  volatile int width = 640;
  volatile int height = 480;
  /** Surface of scanout 0 as B, G, R, X bytes, created by SCANOUT like QEMU's display surface. */
  volatile int surfaceWidth;
  volatile int surfaceHeight;
  volatile byte[] surface;

  FakeQemuDisplay(OwnedFd end) {
    this.socket = new DisplaySocket(end);
    this.thread = new Thread(this::serve, "fake-qemu-display");
    thread.setDaemon(true);
    thread.start();
  }

  private void serve() {
    byte[] header = new byte[12];
    ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    try {
      while (true) {
        while (stalled) {
          Thread.sleep(10);
        }
        long deadline = System.nanoTime() + FOREVER;
        socket.receiveFully(header, 0, 12, deadline);
        // A peer told to stall stops here: it neither reads the rest nor answers.
        while (stalled) {
          Thread.sleep(10);
        }
        int request = h.getInt(0);
        int size = h.getInt(8);
        byte[] payload = new byte[size];
        socket.receiveFully(payload, 0, size, deadline);
        Msg m = new Msg(request, payload);
        handle(m);
        received.add(m);
      }
    } catch (EOFException | InterruptedException e) {
      // the device side closed, or the test is over
    } catch (IOException e) {
      received.add(new Msg(-1, e.toString().getBytes()));
    }
  }

  private void reply(int request, byte[] payload) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(12 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(request).putInt(VhostUserGpuDisplay.FLAG_REPLY).putInt(payload.length).put(payload);
    socket.sendFully(b.array(), 0, b.capacity(), System.nanoTime() + FOREVER);
  }

  private void handle(Msg m) throws IOException {
    ByteBuffer p = m.buf();
    switch (m.request()) {
      case VhostUserGpuDisplay.GET_PROTOCOL_FEATURES -> {
        if (answerFeatures) {
          reply(m.request(), ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
              .putLong(features).array());
        }
      }
      case VhostUserGpuDisplay.GET_DISPLAY_INFO -> {
        ByteBuffer r = ByteBuffer.allocate(VirtioGpu.DISPLAY_INFO_SIZE)
            .order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(0, VirtioGpu.RESP_OK_DISPLAY_INFO);
        r.putInt(24 + 8, width).putInt(24 + 12, height).putInt(24 + 16, 1);
        reply(m.request(), r.array());
      }
      case VhostUserGpuDisplay.GET_EDID -> {
        ByteBuffer r = ByteBuffer.allocate(VirtioGpu.EDID_RESPONSE_SIZE)
            .order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(0, VirtioGpu.RESP_OK_EDID).putInt(24, 128);
        r.put(32, (byte) 0x00).put(33, (byte) 0xFF).put(32 + 127, (byte) 0x42);
        reply(m.request(), r.array());
      }
      case VhostUserGpuDisplay.SCANOUT -> {
        if (p.getInt(0) == 0) {
          surfaceWidth = p.getInt(4);
          surfaceHeight = p.getInt(8);
          surface = new byte[surfaceWidth * surfaceHeight * 4];
        }
      }
      case VhostUserGpuDisplay.UPDATE -> {
        byte[] s = surface;
        if (p.getInt(0) == 0 && s != null) {
          int x = p.getInt(4);
          int y = p.getInt(8);
          int w = p.getInt(12);
          for (int row = 0; row < p.getInt(16); row++) {
            System.arraycopy(m.payload(), 20 + row * w * 4, s, ((y + row) * surfaceWidth + x) * 4,
                w * 4);
          }
        }
      }
      default -> { }
    }
  }

  /** The next message other than the feature negotiation, or null after {@code millis}. */
  Msg next(long millis) throws InterruptedException {
    while (true) {
      Msg m = received.poll(millis, TimeUnit.MILLISECONDS);
      if (m == null || m.request() > VhostUserGpuDisplay.SET_PROTOCOL_FEATURES) {
        return m;
      }
    }
  }

  /** Pixel (x, y) of the surface as 0xRRGGBB. */
  int pixel(int x, int y) {
    int o = (y * surfaceWidth + x) * 4;
    byte[] s = surface;
    return (s[o + 2] & 0xFF) << 16 | (s[o + 1] & 0xFF) << 8 | (s[o] & 0xFF);
  }

  @Override
  public void close() throws InterruptedException {
    socket.close();
    stalled = false;
    thread.interrupt();
    thread.join(5000);
  }
}
