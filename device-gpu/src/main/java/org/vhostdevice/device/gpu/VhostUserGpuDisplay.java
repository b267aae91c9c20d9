// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vhost-user-gpu display protocol over the socket from VHOST_USER_GPU_SET_SOCKET. Messages are
 * a 12-byte header (request, flags, payload size; host byte order, little-endian here) and a
 * payload; only GET_PROTOCOL_FEATURES, GET_DISPLAY_INFO and GET_EDID are answered by the peer.
 *
 * <p>Before its first message the device asks for the peer's protocol features and uses GET_EDID
 * only when the peer offers it: a peer that does not know the request would never answer. Every
 * exchange has a deadline; a peer that misses it gets a {@link DisplayTimeoutException} and the
 * device stops using it.
 */
final class VhostUserGpuDisplay implements Display {
  private static final Logger LOG = LoggerFactory.getLogger(VhostUserGpuDisplay.class);

  static final int GET_PROTOCOL_FEATURES = 1;
  static final int SET_PROTOCOL_FEATURES = 2;
  static final int GET_DISPLAY_INFO = 3;
  static final int CURSOR_POS = 4;
  static final int CURSOR_POS_HIDE = 5;
  static final int CURSOR_UPDATE = 6;
  static final int SCANOUT = 7;
  static final int UPDATE = 8;
  static final int GET_EDID = 11;
  static final int FLAG_REPLY = 0x4;
  static final int HEADER_SIZE = 12;
  static final long PROTOCOL_F_EDID = 1L << 0;
  /** The features this device understands (not DMABUF2: 2D needs no dmabuf). */
  static final long SUPPORTED_FEATURES = PROTOCOL_F_EDID;
  static final int CURSOR_IMAGE_SIZE = 64 * 64 * 4;
  /** Largest reply we accept: the EDID response (1056 bytes). */
  private static final int MAX_REPLY = VirtioGpu.EDID_RESPONSE_SIZE;

  private final DisplaySocket socket;
  private final long timeoutNanos;
  private final byte[] out = new byte[HEADER_SIZE + 20];
  private final ByteBuffer outBuf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
  private final byte[] in = new byte[MAX_REPLY];
  private final ByteBuffer inBuf = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
  private boolean negotiated;
  private long protocolFeatures;

  VhostUserGpuDisplay(DisplaySocket socket, long timeoutNanos) {
    this.socket = socket;
    this.timeoutNanos = timeoutNanos;
  }

  /** Protocol features agreed with the peer (0 until the first message). */
  long protocolFeatures() {
    return protocolFeatures;
  }

  private long deadline() {
    return System.nanoTime() + timeoutNanos;
  }

  /** Asks the peer once which protocol extensions it has; a silent peer means "none". */
  private void negotiate() throws IOException {
    if (negotiated) {
      return;
    }
    negotiated = true;
    send(GET_PROTOCOL_FEATURES, 0);
    long offered;
    try {
      int size = awaitReply(GET_PROTOCOL_FEATURES, 8, deadline());
      offered = size >= 8 ? inBuf.getLong(0) : 0;
    } catch (DisplayTimeoutException e) {
      LOG.info("display peer did not answer GET_PROTOCOL_FEATURES; using the base protocol");
      return;
    }
    protocolFeatures = offered & SUPPORTED_FEATURES;
    outBuf.putLong(HEADER_SIZE, protocolFeatures);
    send(SET_PROTOCOL_FEATURES, 8);
    LOG.debug("display protocol features: offered {}, using {}",
        Long.toHexString(offered), Long.toHexString(protocolFeatures));
  }

  /** Sends the header and {@code payload} bytes already placed after it in {@link #out}. */
  private void send(int request, int payload) throws IOException {
    sendHeader(request, payload);
    socket.sendFully(out, 0, HEADER_SIZE + payload, deadline());
  }

  private void sendHeader(int request, int payloadSize) {
    outBuf.putInt(0, request).putInt(4, 0).putInt(8, payloadSize);
  }

  /**
   * Reads messages until the reply to {@code request} arrives, and returns its payload size (the
   * payload is in {@link #in}). Unexpected messages are skipped; a payload bigger than {@code
   * max} is an error.
   */
  private int awaitReply(int request, int max, long deadline) throws IOException {
    while (true) {
      socket.receiveFully(in, 0, HEADER_SIZE, deadline);
      int type = inBuf.getInt(0);
      int flags = inBuf.getInt(4);
      long size = Integer.toUnsignedLong(inBuf.getInt(8));
      if (type == request && (flags & FLAG_REPLY) != 0) {
        if (size > max) {
          throw new IOException("display reply to request " + request + " has " + size
              + " bytes, expected at most " + max);
        }
        java.util.Arrays.fill(in, 0, max, (byte) 0);
        socket.receiveFully(in, 0, (int) size, deadline);
        return (int) size;
      }
      LOG.debug("skipping display message {} ({} bytes) while waiting for {}", type, size, request);
      skip(size, deadline);
    }
  }

  private void skip(long size, long deadline) throws IOException {
    while (size > 0) {
      int n = (int) Math.min(size, in.length);
      socket.receiveFully(in, 0, n, deadline);
      size -= n;
    }
  }

  @Override
  public byte[] displayInfo() throws IOException {
    negotiate();
    send(GET_DISPLAY_INFO, 0);
    int size = awaitReply(GET_DISPLAY_INFO, VirtioGpu.DISPLAY_INFO_SIZE, deadline());
    if (size < VirtioGpu.DISPLAY_INFO_SIZE) {
      throw new IOException("display info reply of " + size + " bytes, expected "
          + VirtioGpu.DISPLAY_INFO_SIZE);
    }
    return java.util.Arrays.copyOfRange(in, VirtioGpu.HDR_SIZE, VirtioGpu.DISPLAY_INFO_SIZE);
  }

  @Override
  public byte[] edid(int scanout) throws IOException {
    negotiate();
    if ((protocolFeatures & PROTOCOL_F_EDID) == 0) {
      return null;
    }
    outBuf.putInt(HEADER_SIZE, scanout);
    send(GET_EDID, 4);
    int size = awaitReply(GET_EDID, VirtioGpu.EDID_RESPONSE_SIZE, deadline());
    if (size < VirtioGpu.HDR_SIZE + 8) {
      throw new IOException("EDID reply of " + size + " bytes is too short");
    }
    if (inBuf.getInt(0) != VirtioGpu.RESP_OK_EDID) {
      return null;
    }
    // The peer's size field may claim more than it sent: keep what is really there.
    long claimed = Integer.toUnsignedLong(inBuf.getInt(VirtioGpu.HDR_SIZE));
    int available = size - (VirtioGpu.HDR_SIZE + 8);
    int n = (int) Math.min(claimed, Math.min(available, VirtioGpu.EDID_MAX));
    int from = VirtioGpu.HDR_SIZE + 8;
    return java.util.Arrays.copyOfRange(in, from, from + n);
  }

  @Override
  public void scanout(int scanout, int width, int height) throws IOException {
    negotiate();
    outBuf.putInt(HEADER_SIZE, scanout).putInt(HEADER_SIZE + 4, width)
        .putInt(HEADER_SIZE + 8, height);
    send(SCANOUT, 12);
  }

  @Override
  public void update(int scanout, int x, int y, int width, int height, byte[] pixels)
      throws IOException {
    negotiate();
    int bytes = Math.multiplyExact(Math.multiplyExact(width, height), 4);
    outBuf.putInt(HEADER_SIZE, scanout).putInt(HEADER_SIZE + 4, x).putInt(HEADER_SIZE + 8, y)
        .putInt(HEADER_SIZE + 12, width).putInt(HEADER_SIZE + 16, height);
    sendHeader(UPDATE, 20 + bytes);
    long deadline = deadline();
    socket.sendFully(out, 0, HEADER_SIZE + 20, deadline);
    socket.sendFully(pixels, 0, bytes, deadline);
  }

  @Override
  public void cursorUpdate(int scanout, int x, int y, int hotX, int hotY, byte[] image)
      throws IOException {
    negotiate();
    outBuf.putInt(HEADER_SIZE, scanout).putInt(HEADER_SIZE + 4, x).putInt(HEADER_SIZE + 8, y)
        .putInt(HEADER_SIZE + 12, hotX).putInt(HEADER_SIZE + 16, hotY);
    sendHeader(CURSOR_UPDATE, 20 + CURSOR_IMAGE_SIZE);
    long deadline = deadline();
    socket.sendFully(out, 0, HEADER_SIZE + 20, deadline);
    socket.sendFully(image, 0, CURSOR_IMAGE_SIZE, deadline);
  }

  @Override
  public void cursorMove(int scanout, int x, int y, boolean visible) throws IOException {
    negotiate();
    outBuf.putInt(HEADER_SIZE, scanout).putInt(HEADER_SIZE + 4, x).putInt(HEADER_SIZE + 8, y);
    send(visible ? CURSOR_POS : CURSOR_POS_HIDE, 12);
  }

  @Override
  public boolean isConnected() {
    return !socket.isClosed();
  }

  void close() {
    socket.close();
  }

  static long defaultTimeoutNanos() {
    return TimeUnit.SECONDS.toNanos(5);
  }
}
