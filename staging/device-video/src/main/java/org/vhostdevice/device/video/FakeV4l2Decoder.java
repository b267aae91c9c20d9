// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.vhostdevice.device.video.V4l2.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * <b>Test-only</b>: a stateful V4L2 decoder in memory, behind the same interface as the ioctl
 * backend. It is reachable from the command line only as the documented test backend
 * {@code --backend test-fake-decoder}, so process-level tests can drive the daemon binary
 * without a V4L2 device; it decodes nothing real. It offers
 * FWHT in and NV12 out (one frame size, interval 1/1, like the Rust test stubs). Its "bitstream"
 * is trivial: the first byte of each input buffer is the value every byte of the decoded frame
 * gets. The first input after STREAMON raises SOURCE_CHANGE; DECODER_CMD STOP returns the next
 * capture buffer with LAST and raises EOS. An eventfd stands in for the device's poll: it is
 * signalled whenever something becomes ready to dequeue.
 */
final class FakeV4l2Decoder implements V4l2Device {
  static final int WIDTH = 64;
  static final int HEIGHT = 48;
  static final int FRAME_SIZE = WIDTH * HEIGHT * 3 / 2;

  private record Queued(int index, long userPtr, int length, int bytesUsed, long ts) {}

  private final EventFd ready;
  int caps = CAP_VIDEO_M2M_MPLANE | CAP_STREAMING;
  private final ArrayDeque<Queued> input = new ArrayDeque<>();
  private final ArrayDeque<Queued> capture = new ArrayDeque<>();
  private final ArrayDeque<Dequeued> outputDone = new ArrayDeque<>();
  private final ArrayDeque<Dequeued> captureDone = new ArrayDeque<>();
  private final ArrayDeque<Integer> events = new ArrayDeque<>();
  private final List<Integer> subscribed = new ArrayList<>();
  private boolean outStreaming;
  private boolean capStreaming;
  private boolean sourceChanged;
  private boolean stopRequested;
  private PixFormat outFormat = new PixFormat(WIDTH, HEIGHT, PIX_FMT_FWHT, 1,
      new int[] {FRAME_SIZE}, new int[] {0});
  private PixFormat capFormat = new PixFormat(WIDTH, HEIGHT, PIX_FMT_NV12, 1,
      new int[] {FRAME_SIZE}, new int[] {WIDTH});
  final List<String> ioctls = new ArrayList<>();
  volatile boolean closed;

  FakeV4l2Decoder() throws IOException {
    ready = EventFd.create();
  }

  private static NativeException error(String call, int errno) {
    return new NativeException("ioctl(fake, " + call + ")", errno);
  }

  @Override
  public int pollFd() {
    return ready.fd();
  }

  @Override
  public int pollEvents() {
    return EPOLLIN | EPOLLET;
  }

  @Override
  public synchronized int capabilities() {
    ioctls.add("QUERYCAP");
    return caps;
  }

  @Override
  public synchronized int enumFormat(int bufType, int index) {
    if (index != 0) {
      return 0;
    }
    return bufType == BUF_TYPE_VIDEO_OUTPUT_MPLANE ? PIX_FMT_FWHT : PIX_FMT_NV12;
  }

  @Override
  public synchronized Stepwise enumFrameSize(int fourcc, int index) {
    return index == 0 ? new Stepwise(WIDTH, WIDTH, 1, HEIGHT, HEIGHT, 1) : null;
  }

  @Override
  public synchronized Stepwise enumFrameInterval(int fourcc, int w, int h, int index) {
    return index == 0 ? new Stepwise(1, 1, 1, 1, 1, 1) : null;
  }

  @Override
  public synchronized PixFormat getFormat(int bufType) {
    return bufType == BUF_TYPE_VIDEO_OUTPUT_MPLANE ? outFormat : capFormat;
  }

  @Override
  public synchronized PixFormat setFormat(int bufType, PixFormat f) throws IOException {
    ioctls.add("S_FMT " + bufType);
    if (bufType == BUF_TYPE_VIDEO_OUTPUT_MPLANE) {
      if (f.fourcc() != PIX_FMT_FWHT) {
        throw error("VIDIOC_S_FMT", Errno.EINVAL);
      }
      outFormat = f;
      return f;
    }
    // A decoder keeps its capture format: what it decodes decides it.
    return capFormat;
  }

  @Override
  public synchronized int[] getSelection(int bufType, int target) {
    return new int[] {0, 0, WIDTH, HEIGHT};
  }

  @Override
  public synchronized int requestBuffers(int bufType, int count) throws IOException {
    ioctls.add("REQBUFS " + bufType + " " + count);
    if (bufType == BUF_TYPE_VIDEO_OUTPUT_MPLANE ? outStreaming : capStreaming) {
      throw error("VIDIOC_REQBUFS", 16 /* EBUSY */);
    }
    return Math.min(count, 32);
  }

  @Override
  public synchronized void queueBuffer(int bufType, int index, long userPtr, int length,
      int bytesUsed, long ts) throws IOException {
    ioctls.add("QBUF " + bufType + " " + index);
    if (userPtr == 0 || length == 0) {
      throw error("VIDIOC_QBUF", Errno.EINVAL);
    }
    Queued q = new Queued(index, userPtr, length, bytesUsed, ts);
    (bufType == BUF_TYPE_VIDEO_OUTPUT_MPLANE ? input : capture).add(q);
    process();
  }

  private void process() throws IOException {
    boolean any = false;
    if (outStreaming && !input.isEmpty() && !sourceChanged) {
      sourceChanged = true;
      if (subscribed.contains(EVENT_SOURCE_CHANGE)) {
        events.add(EVENT_SOURCE_CHANGE);
        any = true;
      }
    }
    while (outStreaming && capStreaming && !input.isEmpty() && !capture.isEmpty()) {
      Queued in = input.poll();
      Queued out = capture.poll();
      byte value = MemorySegment.ofAddress(in.userPtr()).reinterpret(1)
          .get(ValueLayout.JAVA_BYTE, 0);
      int n = Math.min(out.length(), FRAME_SIZE);
      MemorySegment.ofAddress(out.userPtr()).reinterpret(n).fill(value);
      outputDone.add(new Dequeued(in.index(), 0, in.ts(), 0));
      captureDone.add(new Dequeued(out.index(), BUF_FLAG_KEYFRAME, in.ts(), n));
      any = true;
    }
    if (stopRequested && input.isEmpty() && capStreaming && !capture.isEmpty()) {
      stopRequested = false;
      captureDone.add(new Dequeued(capture.poll().index(), BUF_FLAG_LAST, 0, 0));
      if (subscribed.contains(V4l2.EVENT_EOS)) {
        events.add(V4l2.EVENT_EOS);
      }
      any = true;
    }
    if (any) {
      ready.signal();
    }
  }

  @Override
  public synchronized Dequeued dequeueBuffer(int bufType) throws IOException {
    boolean out = bufType == BUF_TYPE_VIDEO_OUTPUT_MPLANE;
    if (!(out ? outStreaming : capStreaming)) {
      throw error("VIDIOC_DQBUF", Errno.EINVAL);
    }
    return (out ? outputDone : captureDone).poll();
  }

  @Override
  public synchronized void streamOn(int bufType) throws IOException {
    ioctls.add("STREAMON " + bufType);
    if (bufType == BUF_TYPE_VIDEO_OUTPUT_MPLANE) {
      outStreaming = true;
    } else {
      capStreaming = true;
    }
    process();
  }

  @Override
  public synchronized void streamOff(int bufType) {
    ioctls.add("STREAMOFF " + bufType);
    if (bufType == BUF_TYPE_VIDEO_OUTPUT_MPLANE) {
      outStreaming = false;
      input.clear();
      outputDone.clear();
    } else {
      capStreaming = false;
      capture.clear();
      captureDone.clear();
    }
  }

  @Override
  public synchronized void subscribeEvent(int type) {
    ioctls.add("SUBSCRIBE " + type);
    subscribed.add(type);
  }

  @Override
  public synchronized int dequeueEvent() {
    Integer e = events.poll();
    return e == null ? -1 : e;
  }

  @Override
  public synchronized void decoderCommand(int cmd) throws IOException {
    ioctls.add("DECODER_CMD " + cmd);
    if (cmd != DEC_CMD_STOP || !outStreaming) {
      throw error("VIDIOC_DECODER_CMD", Errno.EINVAL);
    }
    stopRequested = true;
    process();
  }

  @Override
  public synchronized int queryControlDefault(int id) throws IOException {
    if (id == CID_MPEG_VIDEO_BITRATE) {
      return 1_000_000;
    }
    throw error("VIDIOC_QUERYCTRL", Errno.EINVAL);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      ready.close();
    }
  }

  /** Opens a new fake per call and remembers them all. */
  static final class Opener implements V4l2Device.Opener {
    final List<FakeV4l2Decoder> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
    int caps = CAP_VIDEO_M2M_MPLANE | CAP_STREAMING;

    @Override
    public V4l2Device open() throws IOException {
      FakeV4l2Decoder f = new FakeV4l2Decoder();
      f.caps = caps;
      opened.add(f);
      return f;
    }
  }
}
