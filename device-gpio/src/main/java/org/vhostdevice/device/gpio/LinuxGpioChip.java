// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/**
 * A host GPIO controller, {@code /dev/gpiochipN}, through the kernel's GPIO character-device v2
 * uAPI (linux/gpio.h), called over FFM: no libgpiod. Each line the guest uses is one line request
 * (consumer "vhu-gpio"), created by the first direction, reconfigured by later ones and released
 * by direction NONE. Edge detection is armed per line; the request fds of armed lines sit in an
 * internal epoll whose fd is {@link #edgeFd()}, and edge events (48-byte {@code struct
 * gpio_v2_line_event}) are read from them. The native boundary of this module: failures become
 * {@link NativeException}s naming the ioctl.
 */
public final class LinuxGpioChip implements GpioChip {
  static final long GPIO_GET_CHIPINFO_IOCTL = 0x8044B401L;
  static final long GPIO_V2_GET_LINEINFO_IOCTL = 0xC100B405L;
  static final long GPIO_V2_GET_LINE_IOCTL = 0xC250B407L;
  static final long GPIO_V2_LINE_SET_CONFIG_IOCTL = 0xC110B40DL;
  static final long GPIO_V2_LINE_GET_VALUES_IOCTL = 0xC010B40EL;
  static final long GPIO_V2_LINE_SET_VALUES_IOCTL = 0xC010B40FL;

  /** struct gpiochip_info: char name[32], char label[32], u32 lines. */
  static final long CHIPINFO_SIZE = 68;
  static final long CHIPINFO_LINES = 64;
  /** struct gpio_v2_line_info: name[32], consumer[32], u32 offset, u32 num_attrs, u64 flags. */
  static final long LINEINFO_SIZE = 256;
  static final long LINEINFO_OFFSET = 64;
  static final long LINEINFO_FLAGS = 72;
  /** struct gpio_v2_line_request: u32 offsets[64], consumer[32], config, num_lines, ..., fd. */
  static final long REQUEST_SIZE = 592;
  static final long REQUEST_CONSUMER = 256;
  static final long REQUEST_CONFIG = 288;
  static final long REQUEST_NUM_LINES = 560;
  static final long REQUEST_FD = 588;
  /** struct gpio_v2_line_config: u64 flags, u32 num_attrs, u32 pad[5], attrs[10] of 24 bytes. */
  static final long CONFIG_SIZE = 272;
  static final long CONFIG_FLAGS = 0;
  static final long CONFIG_NUM_ATTRS = 8;
  static final long CONFIG_ATTRS = 32;
  /** struct gpio_v2_line_config_attribute: {u32 id, u32 pad, u64 value}, u64 mask. */
  static final long ATTR_ID = 0;
  static final long ATTR_VALUE = 8;
  static final long ATTR_MASK = 16;
  static final int GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES = 2;
  /** struct gpio_v2_line_values: u64 bits, u64 mask. */
  static final long VALUES_SIZE = 16;
  /** struct gpio_v2_line_event: u64 timestamp_ns, u32 id, u32 offset, u32 seqno, ... */
  static final long EVENT_SIZE = 48;
  static final long EVENT_ID = 8;
  static final int GPIO_V2_LINE_EVENT_RISING_EDGE = 1;

  static final long FLAG_INPUT = 1L << 2;
  static final long FLAG_OUTPUT = 1L << 3;
  static final long FLAG_EDGE_RISING = 1L << 4;
  static final long FLAG_EDGE_FALLING = 1L << 5;
  static final String CONSUMER = "vhu-gpio";

  private static final int O_RDWR = 0x2;
  private static final int O_CLOEXEC = 0x80000;
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
  private final OwnedFd chip;
  private final int lines;
  private final String[] names;
  private final Arena arena = Arena.ofAuto();
  private final MemorySegment capture = arena.allocate(CAPTURE);
  private final MemorySegment lineInfo = arena.allocate(LINEINFO_SIZE, 8);
  private final MemorySegment request = arena.allocate(REQUEST_SIZE, 8);
  private final MemorySegment config = arena.allocate(CONFIG_SIZE, 8);
  private final MemorySegment values = arena.allocate(VALUES_SIZE, 8);
  private final MemorySegment event = arena.allocate(EVENT_SIZE, 8);
  private final Epoll edges;
  /** Per line: its request fd (-1 when not requested), direction flags and edge flags. */
  private final int[] requestFd;
  private final long[] dirFlags;
  private final long[] edgeFlags;

  private LinuxGpioChip(String path, OwnedFd chip, Epoll edges) throws IOException {
    this.path = path;
    this.chip = chip;
    this.edges = edges;
    MemorySegment info = arena.allocate(CHIPINFO_SIZE, 8);
    ioctl("ioctl(GPIO_GET_CHIPINFO)", chip.fd(), GPIO_GET_CHIPINFO_IOCTL, info);
    this.lines = info.get(JAVA_INT, CHIPINFO_LINES);
    this.names = new String[lines];
    this.requestFd = new int[lines];
    this.dirFlags = new long[lines];
    this.edgeFlags = new long[lines];
    Arrays.fill(requestFd, -1);
    for (int i = 0; i < lines; i++) {
      lineInfo(i);
      names[i] = cString(lineInfo, 0, 32);
    }
  }

  /** Opens {@code /dev/gpiochip<n>} and reads its lines' names. */
  public static LinuxGpioChip open(int n) throws IOException {
    return open("/dev/gpiochip" + Integer.toUnsignedString(n));
  }

  static LinuxGpioChip open(String path) throws IOException {
    int fd;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment cap = a.allocate(CAPTURE);
      try {
        fd = (int) OPEN.invokeExact(cap, a.allocateFrom(path), O_RDWR | O_CLOEXEC);
      } catch (Throwable t) {
        throw new AssertionError(t);
      }
      if (fd < 0) {
        throw new NativeException("open(" + path + ")", (int) ERRNO.get(cap, 0L));
      }
    }
    OwnedFd owned = new OwnedFd(fd);
    Epoll epoll = null;
    try {
      epoll = Epoll.create(16);
      return new LinuxGpioChip(path, owned, epoll);
    } catch (IOException | RuntimeException e) {
      owned.close();
      if (epoll != null) {
        epoll.close();
      }
      throw e;
    }
  }

  private static String cString(MemorySegment s, long off, int max) {
    int n = 0;
    while (n < max && s.get(JAVA_BYTE, off + n) != 0) {
      n++;
    }
    return new String(s.asSlice(off, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
  }

  private void ioctl(String name, int fd, long op, MemorySegment arg) throws NativeException {
    int rc;
    try {
      rc = (int) IOCTL.invokeExact(capture, fd, op, arg);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    if (rc < 0) {
      throw new NativeException(name, (int) ERRNO.get(capture, 0L));
    }
  }

  private void lineInfo(int line) throws NativeException {
    lineInfo.fill((byte) 0);
    lineInfo.set(JAVA_INT, LINEINFO_OFFSET, line);
    ioctl("ioctl(GPIO_V2_GET_LINEINFO)", chip.fd(), GPIO_V2_GET_LINEINFO_IOCTL, lineInfo);
  }

  @Override
  public int numLines() {
    return lines;
  }

  @Override
  public String lineName(int line) {
    return names[line];
  }

  @Override
  public synchronized int direction(int line) throws IOException {
    lineInfo(line);
    long flags = lineInfo.get(JAVA_LONG, LINEINFO_FLAGS);
    if ((flags & FLAG_OUTPUT) != 0) {
      return DIRECTION_OUT;
    }
    return (flags & FLAG_INPUT) != 0 ? DIRECTION_IN : DIRECTION_NONE;
  }

  @Override
  public synchronized void setDirection(int line, int direction, int value) throws IOException {
    if (direction == DIRECTION_NONE) {
      release(line);
      return;
    }
    long flags = direction == DIRECTION_OUT ? FLAG_OUTPUT : FLAG_INPUT;
    // The kernel refuses edge detection on an output.
    long edgeBits = direction == DIRECTION_IN ? edgeFlags[line] : 0;
    fillConfig(flags | edgeBits, direction == DIRECTION_OUT ? value : -1);
    if (requestFd[line] < 0) {
      request(line);
    } else {
      ioctl("ioctl(GPIO_V2_LINE_SET_CONFIG)", requestFd[line], GPIO_V2_LINE_SET_CONFIG_IOCTL,
          config);
    }
    dirFlags[line] = flags;
    watch(line, edgeBits != 0);
  }

  private void fillConfig(long flags, int outputValue) {
    config.fill((byte) 0);
    config.set(JAVA_LONG, CONFIG_FLAGS, flags);
    if (outputValue >= 0) {
      config.set(JAVA_INT, CONFIG_NUM_ATTRS, 1);
      long attr = CONFIG_ATTRS;
      config.set(JAVA_INT, attr + ATTR_ID, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
      config.set(JAVA_LONG, attr + ATTR_VALUE, outputValue & 1);
      config.set(JAVA_LONG, attr + ATTR_MASK, 1L);
    }
  }

  private void request(int line) throws IOException {
    request.fill((byte) 0);
    request.set(JAVA_INT, 0, line);
    byte[] consumer = CONSUMER.getBytes(StandardCharsets.US_ASCII);
    request.asSlice(REQUEST_CONSUMER, consumer.length).copyFrom(MemorySegment.ofArray(consumer));
    request.asSlice(REQUEST_CONFIG, CONFIG_SIZE).copyFrom(config);
    request.set(JAVA_INT, REQUEST_NUM_LINES, 1);
    ioctl("ioctl(GPIO_V2_GET_LINE)", chip.fd(), GPIO_V2_GET_LINE_IOCTL, request);
    int fd = request.get(JAVA_INT_UNALIGNED, REQUEST_FD);
    Fds.setNonBlocking(fd, true);
    requestFd[line] = fd;
  }

  private void release(int line) {
    int fd = requestFd[line];
    if (fd >= 0) {
      try {
        edges.remove(fd);
      } catch (NativeException ignored) {
        // the fd is closed next, which removes it from the epoll set anyway
      }
      Fds.closeQuietly(fd);
    }
    requestFd[line] = -1;
    dirFlags[line] = 0;
    edgeFlags[line] = 0;
  }

  private void watch(int line, boolean armed) throws NativeException {
    edges.remove(requestFd[line]);
    if (armed) {
      edges.add(requestFd[line], Epoll.EPOLLIN, line);
    }
  }

  @Override
  public synchronized int value(int line) throws IOException {
    if (requestFd[line] < 0) {
      throw new GpioException("gpio " + line + " of " + path + " is not requested");
    }
    values.set(JAVA_LONG, 0, 0L);
    values.set(JAVA_LONG, 8, 1L);
    ioctl("ioctl(GPIO_V2_LINE_GET_VALUES)", requestFd[line], GPIO_V2_LINE_GET_VALUES_IOCTL,
        values);
    return (int) (values.get(JAVA_LONG, 0) & 1);
  }

  @Override
  public synchronized void setValue(int line, int value) throws IOException {
    if (requestFd[line] < 0) {
      return; // the controller remembers it; the next direction OUT carries it

    }
    values.set(JAVA_LONG, 0, (long) (value & 1));
    values.set(JAVA_LONG, 8, 1L);
    ioctl("ioctl(GPIO_V2_LINE_SET_VALUES)", requestFd[line], GPIO_V2_LINE_SET_VALUES_IOCTL,
        values);
  }

  @Override
  public synchronized void setIrqType(int line, int type) throws IOException {
    long bits = switch (type) {
      case IrqType.NONE -> 0;
      case IrqType.EDGE_RISING -> FLAG_EDGE_RISING;
      case IrqType.EDGE_FALLING -> FLAG_EDGE_FALLING;
      case IrqType.EDGE_BOTH -> FLAG_EDGE_RISING | FLAG_EDGE_FALLING;
      default -> throw new GpioException("a host GPIO line supports edge interrupts only, not "
          + type);
    };
    if (requestFd[line] < 0) {
      if (bits == 0) {
        edgeFlags[line] = 0;
        return;
      }
      throw new GpioException("gpio " + line + ": set a direction before an interrupt type");
    }
    if (bits != 0 && dirFlags[line] != FLAG_INPUT) {
      throw new GpioException("gpio " + line + ": edge interrupts need an input line");
    }
    fillConfig(dirFlags[line] | bits, -1);
    ioctl("ioctl(GPIO_V2_LINE_SET_CONFIG)", requestFd[line], GPIO_V2_LINE_SET_CONFIG_IOCTL,
        config);
    edgeFlags[line] = bits;
    watch(line, bits != 0);
  }

  @Override
  public int edgeFd() {
    return edges.fd();
  }

  @Override
  public void drainEdges(EdgeSink sink) throws IOException {
    int n = edges.await(0);
    for (int i = 0; i < n; i++) {
      int line = (int) edges.token(i);
      while (true) {
        long got;
        synchronized (this) {
          int fd = requestFd[line];
          if (fd < 0) {
            break;
          }
          got = Fds.read(fd, event, EVENT_SIZE);
        }
        if (got != EVENT_SIZE) {
          break; // EAGAIN: drained
        }
        sink.edge(line, event.get(JAVA_INT, EVENT_ID) == GPIO_V2_LINE_EVENT_RISING_EDGE);
      }
    }
  }

  @Override
  public synchronized void releaseAll() {
    for (int i = 0; i < lines; i++) {
      release(i);
    }
  }

  @Override
  public synchronized void close() {
    releaseAll();
    edges.close();
    chip.close();
  }

  @Override
  public String toString() {
    return path;
  }
}
