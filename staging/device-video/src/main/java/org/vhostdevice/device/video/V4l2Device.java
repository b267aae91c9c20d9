// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.io.IOException;

/**
 * One open V4L2 mem2mem device, at the level of its ioctls. {@link LinuxV4l2Device} issues the
 * real ioctls; tests use a fake decoder behind the same interface. Dequeue calls never block:
 * "nothing ready" is {@code null} / {@code -1}. Implementations are safe to call from the
 * command worker and the poll thread at once.
 */
public interface V4l2Device extends AutoCloseable {
  /** The fd to watch, and the epoll mask to watch it with. */
  int pollFd();

  int pollEvents();

  /** QUERYCAP: the device capabilities (device_caps when valid, else capabilities). */
  int capabilities() throws IOException;

  /** ENUM_FMT: the fourcc at {@code index}, or 0 past the end. */
  int enumFormat(int bufType, int index) throws IOException;

  /** A frame size or frame interval range; discrete ones have min == max. */
  record Stepwise(int min1, int max1, int step1, int min2, int max2, int step2) {}

  /** ENUM_FRAMESIZES: {width range, height range} at index, or null past the end. */
  Stepwise enumFrameSize(int fourcc, int index) throws IOException;

  /** ENUM_FRAMEINTERVALS: interval as {num min/max/step, den min/max/step}, or null. */
  Stepwise enumFrameInterval(int fourcc, int width, int height, int index) throws IOException;

  /** A multiplanar pixel format (the part of v4l2_pix_format_mplane the daemon uses). */
  record PixFormat(int width, int height, int fourcc, int numPlanes, int[] sizeImage,
      int[] bytesPerLine) {}

  PixFormat getFormat(int bufType) throws IOException;

  PixFormat setFormat(int bufType, PixFormat format) throws IOException;

  /** G_SELECTION: {left, top, width, height}. */
  int[] getSelection(int bufType, int target) throws IOException;

  /** REQBUFS with USERPTR memory; returns the count granted. */
  int requestBuffers(int bufType, int count) throws IOException;

  /** QBUF of a one-plane USERPTR buffer. */
  void queueBuffer(int bufType, int index, long userPtr, int length, int bytesUsed,
      long timestampNs) throws IOException;

  /** A dequeued buffer. */
  record Dequeued(int index, int flags, long timestampNs, int bytesUsed) {}

  /** DQBUF; null when no buffer is done (EAGAIN, or EPIPE after the last one). */
  Dequeued dequeueBuffer(int bufType) throws IOException;

  void streamOn(int bufType) throws IOException;

  void streamOff(int bufType) throws IOException;

  void subscribeEvent(int type) throws IOException;

  /** DQEVENT: the event type, or -1 when none is pending. */
  int dequeueEvent() throws IOException;

  void decoderCommand(int cmd) throws IOException;

  /** QUERYCTRL: the control's default value. */
  int queryControlDefault(int id) throws IOException;

  @Override
  void close();

  /** Opens a device; one per stream, plus short-lived ones for capability queries. */
  @FunctionalInterface
  interface Opener {
    V4l2Device open() throws IOException;
  }
}
