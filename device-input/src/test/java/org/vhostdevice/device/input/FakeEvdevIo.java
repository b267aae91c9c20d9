// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.vhostdevice.sys.Errno;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;

/**
 * An event device for tests, behind the real backend's interface. The ioctls answer like the
 * Rust daemon's test doubles: the buffer is filled with the ioctl number byte (0x06 for
 * EVIOCGNAME, 0x21 for EVIOCGBIT(EV_KEY), ...) and its length is returned; EVIOCGID gives
 * USB/0x46d/0x4023/0x111. A test can set the name, make ioctls fail, and write events into the
 * device's pipe; feedback written to the device, grabs and closes are recorded.
 */
final class FakeEvdevIo implements EvdevIo {
  record Feedback(int type, int code, int value) {}

  /** null: answer EVIOCGNAME with the pattern; else these bytes and a NUL. */
  volatile byte[] name;
  volatile boolean grabFails;
  volatile boolean writeFails;
  final Set<Integer> failingIoctlNrs = ConcurrentHashMap.newKeySet();
  final Set<String> missing = ConcurrentHashMap.newKeySet();
  final List<Feedback> feedback = new CopyOnWriteArrayList<>();
  final List<Boolean> grabs = new CopyOnWriteArrayList<>();
  final List<Integer> opened = new CopyOnWriteArrayList<>();
  final List<Integer> closed = new CopyOnWriteArrayList<>();
  /** read fd to write fd of each open device. */
  private final Map<Integer, Integer> writers = new ConcurrentHashMap<>();

  @Override
  public int open(String path) throws IOException {
    if (missing.contains(path)) {
      throw new NativeException("open " + path, Errno.ENOENT);
    }
    int[] p = LinuxEvdevIo.pipe();
    Fds.setNonBlocking(p[0], true);
    writers.put(p[0], p[1]);
    opened.add(p[0]);
    return p[0];
  }

  /** The fd of the device opened last. */
  int lastFd() {
    return opened.getLast();
  }

  int openCount() {
    return opened.size() - closed.size();
  }

  @Override
  public int ioctl(int fd, int request, MemorySegment arg) throws IOException {
    int nr = request & 0xff;
    int size = (request >>> 16) & 0x3fff;
    if (failingIoctlNrs.contains(nr)) {
      throw new NativeException(String.format("ioctl 0x%08x", request), Errno.EINVAL);
    }
    if (request == Evdev.EVIOCGID) {
      MemorySegment id = arg.asSlice(0, 8);
      id.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0x03); // BUS_USB
      id.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) 0x46d);
      id.set(ValueLayout.JAVA_SHORT_UNALIGNED, 4, (short) 0x4023);
      id.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) 0x111);
      return 0;
    }
    byte[] n = name;
    if (nr == 0x06 && n != null) {
      byte[] answer = Arrays.copyOf(n, Math.min(n.length + 1, size));
      MemorySegment.copy(answer, 0, arg, ValueLayout.JAVA_BYTE, 0, answer.length);
      return answer.length;
    }
    arg.asSlice(0, size).fill((byte) nr);
    return size;
  }

  @Override
  public int ioctl(int fd, int request, int arg) throws IOException {
    if (request != Evdev.EVIOCGRAB) {
      throw new NativeException(String.format("ioctl 0x%08x", request), Errno.EINVAL);
    }
    if (grabFails) {
      throw new NativeException("ioctl EVIOCGRAB", 16 /* EBUSY */);
    }
    grabs.add(arg != 0);
    return 0;
  }

  @Override
  public long read(int fd, MemorySegment dst, long len) throws IOException {
    return Fds.read(fd, dst, len);
  }

  @Override
  public long write(int fd, MemorySegment src, long len) throws IOException {
    if (writeFails) {
      throw new NativeException("write", Errno.EBADF);
    }
    feedback.add(new Feedback(Short.toUnsignedInt(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, 16)),
        Short.toUnsignedInt(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, 18)),
        src.get(ValueLayout.JAVA_INT_UNALIGNED, 20)));
    return len;
  }

  @Override
  public void close(int fd) {
    Integer w = writers.remove(fd);
    if (w != null) {
      Fds.closeQuietly(w);
    }
    Fds.closeQuietly(fd);
    closed.add(fd);
  }

  /** Writes raw input_event records ({type, code, value} triples) into device {@code fd}. */
  void emit(int fd, int... tcv) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      int n = tcv.length / 3;
      MemorySegment buf = a.allocate((long) n * Evdev.EVENT_SIZE);
      for (int i = 0; i < n; i++) {
        long base = (long) i * Evdev.EVENT_SIZE;
        buf.set(ValueLayout.JAVA_LONG_UNALIGNED, base, 1_700_000_000L + i); // tv_sec: ignored
        buf.set(ValueLayout.JAVA_SHORT_UNALIGNED, base + Evdev.EV_TYPE, (short) tcv[3 * i]);
        buf.set(ValueLayout.JAVA_SHORT_UNALIGNED, base + Evdev.EV_CODE, (short) tcv[3 * i + 1]);
        buf.set(ValueLayout.JAVA_INT_UNALIGNED, base + Evdev.EV_VALUE, tcv[3 * i + 2]);
      }
      long done = 0;
      while (done < buf.byteSize()) {
        done += Fds.write(writers.get(fd), buf.asSlice(done), buf.byteSize() - done);
      }
    }
  }

  /** Simulates unplugging: the device's pipe reports end of file. */
  void unplug(int fd) {
    Integer w = writers.remove(fd);
    if (w != null) {
      Fds.closeQuietly(w);
    }
  }
}
