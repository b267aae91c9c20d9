// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Fds;

/**
 * FOR TESTING ONLY ({@code --replay FILE}): an event device made from a recording of raw
 * {@code struct input_event} records (what {@code cat /dev/input/eventN > FILE} captures). The
 * recording is replayed through a pipe, one SYN_REPORT packet per interval, over and over (from
 * its beginning at every open, i.e. for every frontend session), and the ioctls answer with a
 * virtual device that has exactly the event codes the recording uses.
 * It exists for hosts without {@code /dev/uinput}; the daemon code above {@link EvdevIo} is the
 * same as with a real device.
 */
final class ReplayEvdevIo implements EvdevIo {
  private static final Logger LOG = LoggerFactory.getLogger(ReplayEvdevIo.class);
  static final int BUS_VIRTUAL = 0x06;
  static final int VENDOR = 0x1af4;
  static final int PRODUCT = 0x1100;
  static final int VERSION = 1;
  static final int EV_MAX = 0x1f;

  private final byte[] recording;
  private final byte[] name;
  private final long intervalMillis;
  private final byte[][] bits = new byte[EV_MAX + 1][Evdev.BUF];
  /** Open replays by read fd: each open starts the recording from its beginning. */
  private final Map<Integer, Feeder> feeders = new ConcurrentHashMap<>();
  private final AtomicLong feedback = new AtomicLong();

  ReplayEvdevIo(Path file, String name, long intervalMillis) throws IOException {
    byte[] all = Files.readAllBytes(file);
    if (all.length == 0 || all.length % Evdev.EVENT_SIZE != 0) {
      throw new IOException(file + ": not a recording of 24-byte input events ("
          + all.length + " bytes)");
    }
    this.recording = all;
    this.name = name.getBytes(StandardCharsets.UTF_8);
    this.intervalMillis = intervalMillis;
    MemorySegment rec = MemorySegment.ofArray(all);
    for (int off = 0; off < all.length; off += Evdev.EVENT_SIZE) {
      int type = u16(rec, off + Evdev.EV_TYPE);
      int code = u16(rec, off + Evdev.EV_CODE);
      if (type <= EV_MAX && code / 8 < Evdev.BUF) {
        bits[type][code / 8] |= (byte) (1 << (code % 8));
        bits[0][type / 8] |= (byte) (1 << (type % 8));
      }
    }
  }

  private static int u16(MemorySegment s, long off) {
    return Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, off));
  }

  /** Feedback events (LEDs) written to replay devices so far. */
  long feedbackEvents() {
    return feedback.get();
  }

  /** Number of replays currently open (each has a pipe and a feeder thread). */
  int openReplays() {
    return feeders.size();
  }

  /** The writing end of one replay: a pipe and the thread that paces the recording into it. */
  private final class Feeder {
    final int writeFd;
    final Thread thread;
    volatile boolean closed;

    Feeder(int writeFd) {
      this.writeFd = writeFd;
      this.thread = Thread.ofPlatform().name("input-replay").daemon().unstarted(this::feed);
    }

    private void feed() {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment rec = a.allocate(recording.length);
        rec.copyFrom(MemorySegment.ofArray(recording));
        while (!closed) {
          int start = 0;
          for (int off = 0; off < recording.length && !closed; off += Evdev.EVENT_SIZE) {
            boolean report = u16(rec, off + Evdev.EV_TYPE) == EventPump.EV_SYN
                && u16(rec, off + Evdev.EV_CODE) == EventPump.SYN_REPORT;
            if (report || off + Evdev.EVENT_SIZE == recording.length) {
              int len = off + Evdev.EVENT_SIZE - start;
              long done = 0;
              while (done < len) {
                done += Fds.write(writeFd, rec.asSlice(start + done), len - done);
              }
              start = off + Evdev.EVENT_SIZE;
              Thread.sleep(intervalMillis);
            }
          }
        }
      } catch (IOException | InterruptedException e) {
        if (!closed) {
          LOG.warn("input: replay stopped: {}", e.getMessage());
        }
      }
    }

    void close() {
      closed = true;
      thread.interrupt();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Fds.closeQuietly(writeFd);
    }
  }

  @Override
  public int open(String path) throws IOException {
    int[] p = LinuxEvdevIo.pipe();
    try {
      Fds.setNonBlocking(p[0], true);
    } catch (IOException e) {
      Fds.closeQuietly(p[0]);
      Fds.closeQuietly(p[1]);
      throw e;
    }
    Feeder f = new Feeder(p[1]);
    feeders.put(p[0], f);
    f.thread.start();
    return p[0];
  }

  @Override
  public int ioctl(int fd, int request, MemorySegment arg) throws IOException {
    int nr = request & 0xff;
    int size = (request >>> 16) & 0x3fff;
    byte[] answer;
    if (request == Evdev.EVIOCGID) {
      answer = new byte[8];
      MemorySegment s = MemorySegment.ofArray(answer);
      s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) BUS_VIRTUAL);
      s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) VENDOR);
      s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 4, (short) PRODUCT);
      s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) VERSION);
    } else if (nr == 0x06) {
      answer = Arrays.copyOf(name, Math.min(name.length + 1, size));
    } else if (nr == 0x08 || nr == 0x09) {
      answer = new byte[Math.min(1, size)];
    } else if (nr >= 0x20 && nr <= 0x20 + EV_MAX) {
      answer = Arrays.copyOf(bits[nr - 0x20], Math.min(size, Evdev.BUF));
    } else if (nr >= 0x40 && nr < 0x80) {
      answer = new byte[Evdev.ABSINFO_SIZE];
      MemorySegment.ofArray(answer).set(ValueLayout.JAVA_INT_UNALIGNED, 8, 32767); // maximum
    } else {
      throw new IOException(String.format("replay: ioctl 0x%08x not supported", request));
    }
    MemorySegment.copy(MemorySegment.ofArray(answer), 0, arg, 0, Math.min(answer.length, arg.byteSize()));
    return answer.length;
  }

  @Override
  public int ioctl(int fd, int request, int arg) {
    return 0; // EVIOCGRAB: nobody else reads a recording
  }

  @Override
  public long read(int fd, MemorySegment dst, long len) throws IOException {
    return Fds.read(fd, dst, len);
  }

  @Override
  public long write(int fd, MemorySegment src, long len) {
    feedback.incrementAndGet();
    LOG.info("input: replay device got feedback type {} code {} value {}",
        u16(src, Evdev.EV_TYPE), u16(src, Evdev.EV_CODE),
        src.get(ValueLayout.JAVA_INT_UNALIGNED, Evdev.EV_VALUE));
    return len;
  }

  @Override
  public void close(int fd) {
    Feeder f = feeders.remove(fd);
    // The read end first: a feeder blocked on a full pipe then fails with EPIPE and ends.
    Fds.closeQuietly(fd);
    if (f != null) {
      f.close();
    }
  }
}
