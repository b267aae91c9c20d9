// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-console (device ID 3) with MULTIPORT and one port: port 0's receiveq/transmitq and the
 * control receiveq/transmitq, all served by one worker so the control state needs no locks.
 *
 * <p>Unlike the Rust daemon: each receive buffer gets exactly one used entry; no buffer is
 * popped without being returned (an empty input ring leaves receive buffers in the ring); bytes
 * are passed through untouched (no UTF-8 decoding); a short or unknown control message is
 * returned and logged instead of ending the worker; device-readable buffers are returned with
 * length 0 (bytes written, as the virtio spec defines it).
 */
final class ConsoleDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleDevice.class);
  static final int VIRTIO_ID_CONSOLE = 3;
  static final long VIRTIO_CONSOLE_F_MULTIPORT = 1L << 1;
  static final int RX = 0;
  static final int TX = 1;
  static final int CTRL_RX = 2;
  static final int CTRL_TX = 3;
  static final int NUM_QUEUES = 4;

  static final int CONFIG_SIZE = 12;
  static final int CFG_COLS = 0;
  static final int CFG_ROWS = 2;
  static final int CFG_MAX_NR_PORTS = 4;
  static final int CFG_EMERG_WR = 8;
  /** The Rust daemon's fixed configuration values. */
  static final int COLS = 20;
  static final int ROWS = 20;
  static final int MAX_NR_PORTS = 1;
  static final int EMERG_WR = 64;
  /** Control messages waiting for a control receive buffer; a guest repeating DEVICE_READY cannot grow it. */
  static final int MAX_PENDING_CONTROL = 32;
  static final int PORT = 0;

  private final ConsolePort port;
  private final int maxQueueSize;
  private final byte[] portName;
  private final byte[] scratch = new byte[4096];
  private final MemorySegment scratchSeg = MemorySegment.ofArray(scratch);
  private final ArrayDeque<ControlMessage> pendingControl = new ArrayDeque<>();
  private volatile VirtQueue rxVq;
  private volatile VirtQueue txVq;
  private volatile VirtQueue ctrlRxVq;
  private boolean guestOpen;
  private long badControl;
  private long writeErrors;

  ConsoleDevice(ConsolePort port, int maxQueueSize, byte[] portName) {
    this.port = port;
    this.maxQueueSize = maxQueueSize;
    this.portName = portName.clone();
  }

  ConsoleDevice(ConsolePort port, int maxQueueSize) {
    this(port, maxQueueSize, ControlMessage.DEFAULT_PORT_NAME);
  }

  @Override
  public String name() {
    return "console";
  }

  @Override
  public int deviceType() {
    return VIRTIO_ID_CONSOLE;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY | VIRTIO_CONSOLE_F_MULTIPORT;
  }

  @Override
  public int numQueues() {
    return NUM_QUEUES;
  }

  @Override
  public int maxQueueSize(int queue) {
    return maxQueueSize;
  }

  @Override
  public int workerOf(int queue) {
    return 0;
  }

  @Override
  public int configSize() {
    return CONFIG_SIZE;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    byte[] cfg = new byte[CONFIG_SIZE];
    putLe(cfg, CFG_COLS, COLS, 2);
    putLe(cfg, CFG_ROWS, ROWS, 2);
    putLe(cfg, CFG_MAX_NR_PORTS, MAX_NR_PORTS, 4);
    putLe(cfg, CFG_EMERG_WR, EMERG_WR, 4);
    System.arraycopy(cfg, offset, dst, 0, dst.length);
  }

  private static void putLe(byte[] b, int off, int v, int n) {
    for (int i = 0; i < n; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    switch (queue) {
      case RX -> {
        rxVq = vq;
        port.attach(this, this::wakeRx, this::wakeTx);
        vq.wake(); // input typed while no guest was attached
      }
      case TX -> txVq = vq;
      case CTRL_RX -> ctrlRxVq = vq;
      default -> { }
    }
  }

  @Override
  public void queueStopped(int queue) {
    switch (queue) {
      case RX -> {
        rxVq = null;
        port.detach(this);
      }
      case TX -> txVq = null;
      case CTRL_RX -> ctrlRxVq = null;
      default -> { }
    }
  }

  private void wakeRx() {
    VirtQueue q = rxVq;
    if (q != null) {
      q.wake();
    }
  }

  private void wakeTx() {
    VirtQueue q = txVq;
    if (q != null) {
      q.wake();
    }
  }

  @Override
  public void reset() {
    pendingControl.clear();
    guestOpen = false;
  }

  /** Whether the guest has the port open (its last PORT_OPEN said 1). */
  boolean guestOpen() {
    return guestOpen;
  }

  int pendingControl() {
    return pendingControl.size();
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    switch (queue) {
      case RX -> deliverInput(vq);
      case TX -> takeOutput(vq);
      case CTRL_RX -> sendControl(vq);
      case CTRL_TX -> {
        receiveControl(vq);
        if (!pendingControl.isEmpty()) {
          VirtQueue c = ctrlRxVq;
          if (c != null) {
            c.wake();
          }
        }
      }
      default -> LOG.warn("console: kick for unknown queue {}", queue);
    }
  }

  /** Host input into receive buffers: one used entry per buffer, filled as far as input goes. */
  void deliverInput(VirtQueue vq) throws Exception {
    ByteRing input = port.input();
    boolean wasFull = input.free() == 0;
    boolean moved = false;
    while (!input.isEmpty()) {
      DescriptorChain c = vq.pop();
      if (c == null) {
        break;
      }
      Writer w = c.writer();
      int n = input.drainTo(w);
      vq.addUsed(c, n);
      moved |= n > 0;
    }
    if (moved && wasFull) {
      port.backend().inputDrained();
    }
  }

  /** Guest output to the backend, which may ask the guest to wait while its buffer is full. */
  void takeOutput(VirtQueue vq) throws Exception {
    ConsoleBackend backend = port.backend();
    DescriptorChain c;
    while ((c = vq.pop()) != null) {
      int len = (int) Math.min(c.readableBytes(), Integer.MAX_VALUE);
      if (!backend.canAccept(len)) {
        vq.undoPop(); // the backend calls outputRoom() when it has drained
        return;
      }
      Reader r = c.reader();
      long n;
      while ((n = r.read(scratchSeg)) > 0) {
        try {
          backend.write(scratch, 0, (int) n);
        } catch (IOException e) {
          if (writeErrors++ % 1000 == 0) {
            LOG.warn("console: writing guest output failed ({} so far): {}", writeErrors,
                e.getMessage());
          }
        }
      }
      vq.addUsed(c, 0);
    }
  }

  /** Pending control messages into control receive buffers. */
  void sendControl(VirtQueue vq) throws Exception {
    while (!pendingControl.isEmpty()) {
      DescriptorChain c = vq.pop();
      if (c == null) {
        return;
      }
      ControlMessage m = pendingControl.peek();
      if (c.writableBytes() < m.length()) {
        LOG.warn("console: control buffer of {} bytes is too small for {} ({} bytes)",
            c.writableBytes(), ControlMessage.eventName(m.event()), m.length());
        vq.addUsed(c, 0);
        continue;
      }
      Writer w = c.writer();
      w.writeU32(m.id());
      w.writeU16(m.event());
      w.writeU16(m.value());
      if (m.name().length > 0) {
        w.writeFully(MemorySegment.ofArray(m.name()));
      }
      pendingControl.poll();
      vq.addUsed(c, m.length());
    }
  }

  /** Control messages from the guest; bad ones are returned and logged, the queue goes on. */
  void receiveControl(VirtQueue vq) throws Exception {
    DescriptorChain c;
    while ((c = vq.pop()) != null) {
      if (c.readableBytes() < ControlMessage.SIZE) {
        warnBad("control message of {} bytes, {} needed", c.readableBytes(), ControlMessage.SIZE);
        vq.addUsed(c, 0);
        continue;
      }
      Reader r = c.reader();
      int id = r.readU32();
      int event = r.readU16();
      int value = r.readU16();
      handleControl(new ControlMessage(id, event, value));
      vq.addUsed(c, 0);
    }
  }

  void handleControl(ControlMessage m) {
    switch (m.event()) {
      case ControlMessage.DEVICE_READY -> {
        if (m.value() == 1) {
          queueControl(new ControlMessage(PORT, ControlMessage.DEVICE_ADD, 1));
        } else {
          LOG.warn("console: the guest driver failed to initialise (DEVICE_READY {})", m.value());
        }
      }
      case ControlMessage.PORT_READY -> {
        if (m.id() != PORT) {
          warnBad("PORT_READY for port {}, only port 0 exists", m.id(), null);
        } else if (m.value() == 1) {
          queueControl(new ControlMessage(PORT, ControlMessage.CONSOLE_PORT, 1));
          queueControl(new ControlMessage(PORT, ControlMessage.PORT_NAME, 1, portName));
          queueControl(new ControlMessage(PORT, ControlMessage.PORT_OPEN, 1));
        } else {
          LOG.warn("console: the guest could not add port {}", m.id());
        }
      }
      case ControlMessage.PORT_OPEN -> guestOpen = m.value() == 1;
      default -> warnBad("unexpected control message {} from the guest (value {})",
          ControlMessage.eventName(m.event()), m.value());
    }
  }

  private void queueControl(ControlMessage m) {
    if (pendingControl.size() >= MAX_PENDING_CONTROL) {
      warnBad("control queue full, {} dropped (the guest repeats requests without reading)",
          ControlMessage.eventName(m.event()), null);
      return;
    }
    pendingControl.add(m);
  }

  private void warnBad(String format, Object a, Object b) {
    if (badControl++ % 1000 == 0) {
      LOG.warn("console: " + format, a, b);
    }
  }
}
