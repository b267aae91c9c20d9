// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One Linux event device ({@code /dev/input/eventN}): its identity and capabilities through the
 * EVIOCG* ioctls, its events as raw {@code struct input_event} records, exclusive grab, and
 * feedback events (LEDs) written back to it.
 */
final class Evdev implements AutoCloseable {
  /** struct input_event on 64-bit Linux: timeval (16), type u16 @16, code u16 @18, value s32 @20. */
  static final int EVENT_SIZE = 24;
  static final int EV_TYPE = 16;
  static final int EV_CODE = 18;
  static final int EV_VALUE = 20;
  /** struct input_absinfo: value, minimum, maximum, fuzz, flat, resolution (s32 each). */
  static final int ABSINFO_SIZE = 24;
  /** Bytes asked of every string/bitmap ioctl: the size of the virtio config union. */
  static final int BUF = 128;
  /** KEY_CNT (0x300) bits. */
  static final int KEY_BYTES = 0x300 / 8;

  private static final int IOC_WRITE = 1;
  private static final int IOC_READ = 2;
  private static final int E = 'E';
  static final int EVIOCGID = ioc(IOC_READ, 0x02, 8);
  static final int EVIOCGRAB = ioc(IOC_WRITE, 0x90, 4);

  static int ioc(int dir, int nr, int size) {
    return dir << 30 | size << 16 | E << 8 | nr;
  }

  static int eviocgname(int len) {
    return ioc(IOC_READ, 0x06, len);
  }

  static int eviocguniq(int len) {
    return ioc(IOC_READ, 0x08, len);
  }

  static int eviocgprop(int len) {
    return ioc(IOC_READ, 0x09, len);
  }

  static int eviocgbit(int type, int len) {
    return ioc(IOC_READ, 0x20 + type, len);
  }

  static int eviocgkey(int len) {
    return ioc(IOC_READ, 0x18, len);
  }

  static int eviocgabs(int axis) {
    return ioc(IOC_READ, 0x40 + axis, ABSINFO_SIZE);
  }

  /** struct input_id. */
  record InputId(int bustype, int vendor, int product, int version) {}

  /** struct input_absinfo without the current value. */
  record AbsInfo(int min, int max, int fuzz, int flat, int resolution) {}

  private final EvdevIo io;
  private final String path;
  private final int fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment writeBuf = arena.allocate(EVENT_SIZE);

  private Evdev(EvdevIo io, String path, int fd) {
    this.io = io;
    this.path = path;
    this.fd = fd;
  }

  /** Opens the device and checks it answers EVIOCGID (so a non-evdev file fails now). */
  static Evdev open(EvdevIo io, String path) throws IOException {
    int fd = io.open(path);
    Evdev d = new Evdev(io, path, fd);
    try {
      d.id();
    } catch (IOException e) {
      d.close();
      throw new IOException(path + " is not an event device: " + e.getMessage(), e);
    }
    return d;
  }

  String path() {
    return path;
  }

  int fd() {
    return fd;
  }

  private byte[] query(int request, int len) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(len);
      int n = io.ioctl(fd, request, buf);
      byte[] out = buf.toArray(ValueLayout.JAVA_BYTE);
      return n >= 0 && n < len ? Arrays.copyOf(out, Math.max(n, 0)) : out;
    }
  }

  /** A string ioctl's bytes up to the NUL, as given (not decoded: names need not be UTF-8). */
  private byte[] string(int request) throws IOException {
    byte[] b = query(request, BUF);
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return Arrays.copyOf(b, n);
  }

  byte[] name() throws IOException {
    return string(eviocgname(BUF));
  }

  byte[] uniq() throws IOException {
    return string(eviocguniq(BUF));
  }

  InputId id() throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment b = a.allocate(8);
      io.ioctl(fd, EVIOCGID, b);
      return new InputId(u16(b, 0), u16(b, 2), u16(b, 4), u16(b, 6));
    }
  }

  private static int u16(MemorySegment b, long off) {
    return Short.toUnsignedInt(b.get(ValueLayout.JAVA_SHORT_UNALIGNED, off));
  }

  /** Property bitmap (INPUT_PROP_*), 128 bytes zero-padded. */
  byte[] propBits() throws IOException {
    return Arrays.copyOf(query(eviocgprop(BUF), BUF), BUF);
  }

  /** Bitmap of the codes of event {@code type}, 128 bytes zero-padded. */
  byte[] eventBits(int type) throws IOException {
    return Arrays.copyOf(query(eviocgbit(type, BUF), BUF), BUF);
  }

  /** Bitmap of the keys held down right now (KEY_CNT bits), for resynchronising after a loss. */
  byte[] keyState() throws IOException {
    return Arrays.copyOf(query(eviocgkey(KEY_BYTES), KEY_BYTES), KEY_BYTES);
  }

  AbsInfo absInfo(int axis) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment b = a.allocate(ABSINFO_SIZE);
      io.ioctl(fd, eviocgabs(axis), b);
      ValueLayout.OfInt i = ValueLayout.JAVA_INT_UNALIGNED;
      return new AbsInfo(b.get(i, 4), b.get(i, 8), b.get(i, 12), b.get(i, 16), b.get(i, 20));
    }
  }

  /** EVIOCGRAB: while grabbed, only this fd receives the device's events (not the host). */
  void grab(boolean on) throws IOException {
    io.ioctl(fd, EVIOCGRAB, on ? 1 : 0);
  }

  /** Reads whole events into {@code dst}; returns the number of events (0: none right now). */
  int read(MemorySegment dst) throws IOException {
    long n = io.read(fd, dst, dst.byteSize() - dst.byteSize() % EVENT_SIZE);
    if (n < 0) {
      return 0;
    }
    if (n == 0) {
      throw new IOException(path + ": the device is gone");
    }
    return (int) (n / EVENT_SIZE);
  }

  /** Feedback to the device (an LED, a beep); the kernel ignores the timestamp. */
  synchronized void write(int type, int code, int value) throws IOException {
    writeBuf.fill((byte) 0);
    writeBuf.set(ValueLayout.JAVA_SHORT_UNALIGNED, EV_TYPE, (short) type);
    writeBuf.set(ValueLayout.JAVA_SHORT_UNALIGNED, EV_CODE, (short) code);
    writeBuf.set(ValueLayout.JAVA_INT_UNALIGNED, EV_VALUE, value);
    if (io.write(fd, writeBuf, EVENT_SIZE) != EVENT_SIZE) {
      throw new IOException(path + ": short write of a feedback event");
    }
  }

  @Override
  public void close() {
    io.close(fd);
    arena.close();
  }
}
