// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.vhostdevice.device.video.V4l2.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;

/**
 * A V4L2 device node opened non-blocking, driven by ioctls through FFM. Every failing call
 * throws a {@link NativeException} naming the ioctl; EAGAIN (and EPIPE after the last capture
 * buffer, EINVAL at the end of an enumeration) are answers, not errors. Calls are serialised on
 * the instance because they share its argument buffers; none of them blocks.
 */
public final class LinuxV4l2Device implements V4l2Device {
  private static final int O_RDWR = 0x2;
  private static final int O_NONBLOCK = 0x800;
  private static final int O_CLOEXEC = 0x80000;
  private static final int EPIPE = 32;
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
  private static final MethodHandle OPEN = LINKER.downcallHandle(
      LINKER.defaultLookup().find("open").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
  private static final MethodHandle IOCTL = LINKER.downcallHandle(
      LINKER.defaultLookup().find("ioctl").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), CAPTURE_ERRNO,
      Linker.Option.firstVariadicArg(2));

  private final String path;
  private final int fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment capture = arena.allocate(CAPTURE);
  private final MemorySegment arg = arena.allocate(FORMAT_SIZE, 8);
  private final MemorySegment plane = arena.allocate(PLANE_SIZE, 8);
  private boolean closed;

  private LinuxV4l2Device(String path, int fd) {
    this.path = path;
    this.fd = fd;
  }

  /** Opens {@code path} read-write and non-blocking. */
  public static LinuxV4l2Device open(String path) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment cap = a.allocate(CAPTURE);
      int fd;
      try {
        fd = (int) OPEN.invokeExact(cap, a.allocateFrom(path), O_RDWR | O_NONBLOCK | O_CLOEXEC);
      } catch (Throwable t) {
        throw new AssertionError(t);
      }
      if (fd < 0) {
        throw new NativeException("open(" + path + ")", (int) ERRNO.get(cap, 0L));
      }
      return new LinuxV4l2Device(path, fd);
    }
  }

  /** Runs one ioctl on {@link #arg}; returns 0 or the errno when it is in {@code tolerated}. */
  private int ioctl(String name, int request, int... tolerated) throws NativeException {
    int rc;
    try {
      rc = (int) IOCTL.invokeExact(capture, fd, (long) request, arg);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    if (rc >= 0) {
      return 0;
    }
    int errno = (int) ERRNO.get(capture, 0L);
    for (int t : tolerated) {
      if (t == errno) {
        return errno;
      }
    }
    throw new NativeException("ioctl(" + path + ", " + name + ")", errno);
  }

  /**
   * Clears the argument buffer for a call. After close the fd number may belong to another file
   * (and the buffers are freed), so every call fails with EBADF instead.
   */
  private void clear(int size) throws NativeException {
    if (closed) {
      throw new NativeException("ioctl(" + path + ") after close", Errno.EBADF);
    }
    arg.asSlice(0, size).fill((byte) 0);
  }

  @Override
  public int pollFd() {
    return fd;
  }

  @Override
  public int pollEvents() {
    // Edge-triggered: an idle m2m device reports EPOLLERR, which level-triggered would repeat.
    return EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLET;
  }

  @Override
  public synchronized int capabilities() throws IOException {
    clear(CAPABILITY_SIZE);
    ioctl("VIDIOC_QUERYCAP", VIDIOC_QUERYCAP);
    int caps = arg.get(JAVA_INT, CAP_CAPABILITIES);
    return (caps & CAP_DEVICE_CAPS_VALID) != 0 ? arg.get(JAVA_INT, CAP_DEVICE_CAPS) : caps;
  }

  @Override
  public synchronized int enumFormat(int bufType, int index) throws IOException {
    clear(FMTDESC_SIZE);
    arg.set(JAVA_INT, FMTDESC_INDEX, index);
    arg.set(JAVA_INT, FMTDESC_TYPE, bufType);
    if (ioctl("VIDIOC_ENUM_FMT", VIDIOC_ENUM_FMT, Errno.EINVAL) != 0) {
      return 0;
    }
    return arg.get(JAVA_INT, FMTDESC_PIXELFORMAT);
  }

  @Override
  public synchronized Stepwise enumFrameSize(int fourcc, int index) throws IOException {
    clear(FRMSIZE_SIZE);
    arg.set(JAVA_INT, FRMSIZE_INDEX, index);
    arg.set(JAVA_INT, FRMSIZE_PIXEL_FORMAT, fourcc);
    if (ioctl("VIDIOC_ENUM_FRAMESIZES", VIDIOC_ENUM_FRAMESIZES, Errno.EINVAL) != 0) {
      return null;
    }
    int u = FRMSIZE_UNION;
    if (arg.get(JAVA_INT, FRMSIZE_TYPE) == FRMSIZE_TYPE_DISCRETE) {
      int w = arg.get(JAVA_INT, u);
      int h = arg.get(JAVA_INT, u + 4);
      return new Stepwise(w, w, 1, h, h, 1);
    }
    // stepwise/continuous: min_width, max_width, step_width, min_height, max_height, step_height
    return new Stepwise(arg.get(JAVA_INT, u), arg.get(JAVA_INT, u + 4), arg.get(JAVA_INT, u + 8),
        arg.get(JAVA_INT, u + 12), arg.get(JAVA_INT, u + 16), arg.get(JAVA_INT, u + 20));
  }

  @Override
  public synchronized Stepwise enumFrameInterval(int fourcc, int width, int height, int index)
      throws IOException {
    clear(FRMIVAL_SIZE);
    arg.set(JAVA_INT, FRMIVAL_INDEX, index);
    arg.set(JAVA_INT, FRMIVAL_PIXEL_FORMAT, fourcc);
    arg.set(JAVA_INT, FRMIVAL_WIDTH, width);
    arg.set(JAVA_INT, FRMIVAL_HEIGHT, height);
    if (ioctl("VIDIOC_ENUM_FRAMEINTERVALS", VIDIOC_ENUM_FRAMEINTERVALS, Errno.EINVAL) != 0) {
      return null;
    }
    int u = FRMIVAL_UNION;
    if (arg.get(JAVA_INT, FRMIVAL_TYPE) == FRMIVAL_TYPE_DISCRETE) {
      int num = arg.get(JAVA_INT, u);
      int den = arg.get(JAVA_INT, u + 4);
      return new Stepwise(num, num, 1, den, den, 1);
    }
    // stepwise: min {num, den}, max {num, den}, step {num, den}
    return new Stepwise(arg.get(JAVA_INT, u), arg.get(JAVA_INT, u + 8), arg.get(JAVA_INT, u + 16),
        arg.get(JAVA_INT, u + 4), arg.get(JAVA_INT, u + 12), arg.get(JAVA_INT, u + 20));
  }

  private PixFormat readPix() {
    int n = Math.min(arg.get(java.lang.foreign.ValueLayout.JAVA_BYTE,
        FORMAT_FMT + PIX_MP_NUM_PLANES) & 0xFF, VIDEO_MAX_PLANES);
    int[] size = new int[n];
    int[] bpl = new int[n];
    for (int i = 0; i < n; i++) {
      long p = FORMAT_FMT + PIX_MP_PLANE_FMT + (long) i * PLANE_PIX_FORMAT_SIZE;
      size[i] = arg.get(JAVA_INT, p + PLANE_PIX_SIZEIMAGE);
      bpl[i] = arg.get(JAVA_INT, p + PLANE_PIX_BYTESPERLINE);
    }
    return new PixFormat(arg.get(JAVA_INT, FORMAT_FMT + PIX_MP_WIDTH),
        arg.get(JAVA_INT, FORMAT_FMT + PIX_MP_HEIGHT),
        arg.get(JAVA_INT, FORMAT_FMT + PIX_MP_PIXELFORMAT), n, size, bpl);
  }

  @Override
  public synchronized PixFormat getFormat(int bufType) throws IOException {
    clear(FORMAT_SIZE);
    arg.set(JAVA_INT, FORMAT_TYPE, bufType);
    ioctl("VIDIOC_G_FMT", VIDIOC_G_FMT);
    return readPix();
  }

  @Override
  public synchronized PixFormat setFormat(int bufType, PixFormat f) throws IOException {
    clear(FORMAT_SIZE);
    arg.set(JAVA_INT, FORMAT_TYPE, bufType);
    arg.set(JAVA_INT, FORMAT_FMT + PIX_MP_WIDTH, f.width());
    arg.set(JAVA_INT, FORMAT_FMT + PIX_MP_HEIGHT, f.height());
    arg.set(JAVA_INT, FORMAT_FMT + PIX_MP_PIXELFORMAT, f.fourcc());
    arg.set(JAVA_INT, FORMAT_FMT + PIX_MP_FIELD, FIELD_NONE);
    int n = Math.min(f.numPlanes(), VIDEO_MAX_PLANES);
    arg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, FORMAT_FMT + PIX_MP_NUM_PLANES, (byte) n);
    for (int i = 0; i < n; i++) {
      long p = FORMAT_FMT + PIX_MP_PLANE_FMT + (long) i * PLANE_PIX_FORMAT_SIZE;
      arg.set(JAVA_INT, p + PLANE_PIX_SIZEIMAGE, f.sizeImage()[i]);
      arg.set(JAVA_INT, p + PLANE_PIX_BYTESPERLINE, f.bytesPerLine()[i]);
    }
    ioctl("VIDIOC_S_FMT", VIDIOC_S_FMT);
    return readPix();
  }

  @Override
  public synchronized int[] getSelection(int bufType, int target) throws IOException {
    clear(SELECTION_SIZE);
    arg.set(JAVA_INT, SELECTION_TYPE, bufType);
    arg.set(JAVA_INT, SELECTION_TARGET, target);
    ioctl("VIDIOC_G_SELECTION", VIDIOC_G_SELECTION);
    int r = SELECTION_RECT;
    return new int[] {arg.get(JAVA_INT, r), arg.get(JAVA_INT, r + 4), arg.get(JAVA_INT, r + 8),
        arg.get(JAVA_INT, r + 12)};
  }

  @Override
  public synchronized int requestBuffers(int bufType, int count) throws IOException {
    clear(REQBUFS_SIZE);
    arg.set(JAVA_INT, REQBUFS_COUNT, count);
    arg.set(JAVA_INT, REQBUFS_TYPE, bufType);
    arg.set(JAVA_INT, REQBUFS_MEMORY, MEMORY_USERPTR);
    ioctl("VIDIOC_REQBUFS", VIDIOC_REQBUFS);
    return arg.get(JAVA_INT, REQBUFS_COUNT);
  }

  @Override
  public synchronized void queueBuffer(int bufType, int index, long userPtr, int length,
      int bytesUsed, long timestampNs) throws IOException {
    clear(BUFFER_SIZE);
    plane.fill((byte) 0);
    plane.set(JAVA_INT, PLANE_BYTESUSED, bytesUsed);
    plane.set(JAVA_INT, PLANE_LENGTH, length);
    plane.set(JAVA_LONG, PLANE_M, userPtr);
    arg.set(JAVA_INT, BUFFER_INDEX, index);
    arg.set(JAVA_INT, BUFFER_TYPE, bufType);
    arg.set(JAVA_INT, BUFFER_FIELD, FIELD_NONE);
    arg.set(JAVA_LONG, BUFFER_TIMESTAMP, timestampNs / 1_000_000_000L);
    arg.set(JAVA_LONG, BUFFER_TIMESTAMP + 8, (timestampNs % 1_000_000_000L) / 1000);
    arg.set(JAVA_INT, BUFFER_MEMORY, MEMORY_USERPTR);
    arg.set(JAVA_LONG, BUFFER_M, plane.address());
    arg.set(JAVA_INT, BUFFER_LENGTH, 1);
    ioctl("VIDIOC_QBUF", VIDIOC_QBUF);
  }

  @Override
  public synchronized Dequeued dequeueBuffer(int bufType) throws IOException {
    clear(BUFFER_SIZE);
    plane.fill((byte) 0);
    arg.set(JAVA_INT, BUFFER_TYPE, bufType);
    arg.set(JAVA_INT, BUFFER_MEMORY, MEMORY_USERPTR);
    arg.set(JAVA_LONG, BUFFER_M, plane.address());
    arg.set(JAVA_INT, BUFFER_LENGTH, 1);
    if (ioctl("VIDIOC_DQBUF", VIDIOC_DQBUF, Errno.EAGAIN, EPIPE) != 0) {
      return null;
    }
    long ts = arg.get(JAVA_LONG, BUFFER_TIMESTAMP) * 1_000_000_000L
        + arg.get(JAVA_LONG, BUFFER_TIMESTAMP + 8) * 1000;
    return new Dequeued(arg.get(JAVA_INT, BUFFER_INDEX), arg.get(JAVA_INT, BUFFER_FLAGS), ts,
        plane.get(JAVA_INT, PLANE_BYTESUSED));
  }

  @Override
  public synchronized void streamOn(int bufType) throws IOException {
    clear(4);
    arg.set(JAVA_INT, 0, bufType);
    ioctl("VIDIOC_STREAMON", VIDIOC_STREAMON);
  }

  @Override
  public synchronized void streamOff(int bufType) throws IOException {
    clear(4);
    arg.set(JAVA_INT, 0, bufType);
    ioctl("VIDIOC_STREAMOFF", VIDIOC_STREAMOFF);
  }

  @Override
  public synchronized void subscribeEvent(int type) throws IOException {
    clear(EVENT_SUBSCRIPTION_SIZE);
    arg.set(JAVA_INT, 0, type);
    ioctl("VIDIOC_SUBSCRIBE_EVENT", VIDIOC_SUBSCRIBE_EVENT);
  }

  @Override
  public synchronized int dequeueEvent() throws IOException {
    clear(EVENT_SIZE);
    // ENOENT: no event pending.
    if (ioctl("VIDIOC_DQEVENT", VIDIOC_DQEVENT, Errno.ENOENT) != 0) {
      return -1;
    }
    return arg.get(JAVA_INT, EVENT_TYPE);
  }

  @Override
  public synchronized void decoderCommand(int cmd) throws IOException {
    clear(DECODER_CMD_SIZE);
    arg.set(JAVA_INT, 0, cmd);
    ioctl("VIDIOC_DECODER_CMD", VIDIOC_DECODER_CMD);
  }

  @Override
  public synchronized int queryControlDefault(int id) throws IOException {
    clear(QUERYCTRL_SIZE);
    arg.set(JAVA_INT, QUERYCTRL_ID, id);
    ioctl("VIDIOC_QUERYCTRL", VIDIOC_QUERYCTRL);
    return arg.get(JAVA_INT, QUERYCTRL_DEFAULT);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      Fds.closeQuietly(fd);
      arena.close();
    }
  }
}
