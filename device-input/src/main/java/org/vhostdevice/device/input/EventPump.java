// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * Reads one event device for one frontend session, on its own epoll thread (the device fd and a
 * stop eventfd; it never polls). Events are grouped into packets ending with SYN_REPORT and only
 * whole packets are queued for the guest, in a bounded ring of {@code capacity} events; then
 * the event queue is woken. A packet that does not fit is dropped whole (and counted), so the
 * guest never sees half a packet. While no guest driver takes events (before the event queue
 * starts, after it stops) packets are read and dropped, so nothing typed then arrives late. The
 * device is grabbed while the event queue runs (unless disabled), so the host does not act on
 * the guest's keystrokes too. Key releases lost on the way are given later ({@link
 * GuestKeyState}), so no key stays stuck down in the guest.
 */
final class EventPump implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventPump.class);
  static final int EV_SYN = 0;
  static final int SYN_REPORT = 0;
  static final int SYN_DROPPED = 3;
  /** Events held for the guest: a few hundred packets of ordinary keyboard/mouse input. */
  static final int QUEUE_CAPACITY = 1024;
  /** Longest packet accepted (a multi-touch frame of ten contacts is about 60 events). */
  static final int MAX_PACKET = 256;
  private static final int READ_EVENTS = 64;
  private static final long TOKEN_DEVICE = 1;
  private static final long TOKEN_STOP = 2;

  private final Evdev dev;
  private final boolean grab;
  private final Epoll epoll;
  private final EventFd stop;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment readBuf = arena.allocate((long) READ_EVENTS * Evdev.EVENT_SIZE);
  private final long[] queue;
  private int qHead;
  private int qSize;
  private final long[] packet = new long[MAX_PACKET];
  private int packetLen;
  private boolean resyncing;
  private boolean attached;
  private final GuestKeyState keys = new GuestKeyState();
  private final java.util.function.IntConsumer releaseOwed =
      key -> push(pack(GuestKeyState.EV_KEY, key, 0));
  private boolean grabbed;
  private long droppedPackets;
  private volatile Runnable wake = () -> {};
  private volatile boolean closed;
  private Thread thread;

  EventPump(Evdev dev, boolean grab, int capacity) throws IOException {
    if (capacity < MAX_PACKET + 1) {
      throw new IllegalArgumentException("capacity " + capacity + " < one whole packet");
    }
    this.dev = dev;
    this.grab = grab;
    this.queue = new long[capacity];
    Epoll e = null;
    EventFd s = null;
    try {
      e = Epoll.create(4);
      s = EventFd.create();
      e.add(s.fd(), Epoll.EPOLLIN, TOKEN_STOP);
      e.add(dev.fd(), Epoll.EPOLLIN, TOKEN_DEVICE);
    } catch (NativeException ex) {
      if (s != null) {
        s.close();
      }
      if (e != null) {
        e.close();
      }
      arena.close();
      throw new IOException("Could not register input event into vring epoll: "
          + ex.getMessage(), ex);
    }
    this.epoll = e;
    this.stop = s;
  }

  Evdev device() {
    return dev;
  }

  /** Starts the reading thread. */
  void start() {
    thread = Thread.ofPlatform().name("input-" + dev.path()).daemon().start(this::loop);
  }

  boolean running() {
    return thread != null && thread.isAlive();
  }

  /** Packs an event: type (16) | code (16) | value (32). */
  static long pack(int type, int code, int value) {
    return (long) (type & 0xffff) << 48 | (long) (code & 0xffff) << 32 | (value & 0xffffffffL);
  }

  static int type(long e) {
    return (int) (e >>> 48);
  }

  static int code(long e) {
    return (int) (e >>> 32) & 0xffff;
  }

  static int value(long e) {
    return (int) e;
  }

  /** The guest's event queue started: queue packets from now on and grab the device. */
  synchronized void attach(Runnable wakeup) {
    wake = wakeup;
    attached = true;
    qHead = 0;
    qSize = 0;
    // A freshly started driver holds no keys: nothing is owed to it.
    keys.clear();
    if (grab && !grabbed) {
      try {
        dev.grab(true);
        grabbed = true;
      } catch (IOException e) {
        LOG.warn("input: cannot grab {} (another program holds it?), the host sees its input "
            + "too: {}", dev.path(), e.getMessage());
      }
    }
  }

  /** The event queue stopped: drop what is held (its ring is gone) and give the device back. */
  synchronized void detach() {
    attached = false;
    wake = () -> {};
    qSize = 0;
    ungrab();
  }

  private void ungrab() {
    if (grabbed) {
      grabbed = false;
      try {
        dev.grab(false);
      } catch (IOException e) {
        LOG.debug("input: ungrab {}: {}", dev.path(), e.getMessage());
      }
    }
  }

  synchronized boolean grabbed() {
    return grabbed;
  }

  synchronized boolean isEmpty() {
    return qSize == 0;
  }

  synchronized int size() {
    return qSize;
  }

  /** The oldest queued event (packed); only when not empty. */
  synchronized long peek() {
    return queue[qHead];
  }

  synchronized void remove() {
    qHead = (qHead + 1) % queue.length;
    qSize--;
    if (qSize == 0 && keys.owedCount() > 0) {
      flushOwedReleases(); // the guest caught up: give it the releases it missed now
    }
  }

  /** Number of key releases waiting to be given to the guest. */
  synchronized int owedReleases() {
    return keys.owedCount();
  }

  synchronized long droppedPackets() {
    return droppedPackets;
  }

  /** One event from the device; true when it completed a packet that was queued. */
  synchronized boolean accept(int type, int code, int value) {
    if (type == EV_SYN && code == SYN_DROPPED) {
      // The kernel lost events: what was collected is incomplete; skip to the next SYN_REPORT.
      resyncing = true;
      packetLen = 0;
      return false;
    }
    if (type == EV_SYN && code == SYN_REPORT) {
      boolean queued = false;
      if (!resyncing && packetLen > 0) {
        queued = enqueuePacket(value);
      } else if (resyncing) {
        queued = releaseKeysNoLongerHeld();
      }
      resyncing = false;
      packetLen = 0;
      return queued;
    }
    if (resyncing) {
      return false;
    }
    if (packetLen == MAX_PACKET) {
      resyncing = true; // a packet this long is broken; drop it whole
      packetLen = 0;
      droppedPackets++;
      return false;
    }
    packet[packetLen++] = pack(type, code, value);
    return false;
  }

  private boolean enqueuePacket(int synValue) {
    if (!attached) {
      return false;
    }
    boolean flushed = flushOwedReleases();
    // Releases still owed go first: a packet never overtakes them (it may press a key again).
    if (keys.owedCount() > 0 || queue.length - qSize < packetLen + 1) {
      for (int i = 0; i < packetLen; i++) {
        keys.lost(type(packet[i]), code(packet[i]), value(packet[i]));
      }
      // One line for the first and then every thousandth: a stalled guest must not flood logs.
      if (droppedPackets++ % 1000 == 0) {
        LOG.warn("input: {}: the guest does not take events, {} packet(s) dropped", dev.path(),
            droppedPackets);
      }
      return flushed;
    }
    for (int i = 0; i < packetLen; i++) {
      push(packet[i]);
    }
    push(pack(EV_SYN, SYN_REPORT, synValue));
    return true;
  }

  private void push(long event) {
    queue[(qHead + qSize++) % queue.length] = event;
    keys.delivered(type(event), code(event), value(event));
  }

  /**
   * After the kernel lost events (SYN_DROPPED) or an overlong packet: keys the guest holds that
   * the device no longer holds are released, as libevdev resynchronises. True if queued.
   */
  private boolean releaseKeysNoLongerHeld() {
    if (!attached) {
      return false;
    }
    try {
      keys.resync(dev.keyState());
    } catch (IOException e) {
      LOG.debug("input: {}: EVIOCGKEY after lost events: {}", dev.path(), e.getMessage());
      return false;
    }
    return flushOwedReleases();
  }

  /** Queues one packet releasing every owed key, if it fits; true if it was queued. */
  private boolean flushOwedReleases() {
    int owed = keys.owedCount();
    if (owed == 0 || queue.length - qSize < owed + 1) {
      return false;
    }
    keys.takeOwed(releaseOwed);
    push(pack(EV_SYN, SYN_REPORT, 0));
    return true;
  }

  private void loop() {
    try {
      while (!closed) {
        int n = epoll.await(-1);
        for (int i = 0; i < n; i++) {
          if (epoll.token(i) == TOKEN_STOP) {
            return;
          }
          readDevice();
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.error("input: reading {} stopped, no more events reach the guest: {}", dev.path(),
            e.getMessage());
      }
    }
  }

  private void readDevice() throws IOException {
    int n = dev.read(readBuf);
    boolean any = false;
    for (int i = 0; i < n; i++) {
      long base = (long) i * Evdev.EVENT_SIZE;
      int type = Short.toUnsignedInt(readBuf.get(ValueLayout.JAVA_SHORT_UNALIGNED,
          base + Evdev.EV_TYPE));
      int code = Short.toUnsignedInt(readBuf.get(ValueLayout.JAVA_SHORT_UNALIGNED,
          base + Evdev.EV_CODE));
      int value = readBuf.get(ValueLayout.JAVA_INT_UNALIGNED, base + Evdev.EV_VALUE);
      any |= accept(type, code, value);
    }
    if (any) {
      wake.run();
    }
  }

  /** Stops the thread and closes the device (which also ends a grab), the epoll and the eventfd. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop.signal();
    } catch (NativeException e) {
      LOG.debug("input: stop signal: {}", e.getMessage());
    }
    if (thread != null) {
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      ungrab();
    }
    epoll.close();
    stop.close();
    dev.close();
    arena.close();
  }
}
