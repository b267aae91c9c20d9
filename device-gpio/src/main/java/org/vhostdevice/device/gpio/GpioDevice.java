// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpio;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-gpio (device ID 41) with VIRTIO_GPIO_F_IRQ: a request queue for line operations and an
 * event queue whose buffers wait for interrupts. Both queues are served by one worker; edges are
 * watched by one {@link EdgeLoop} thread per device, which wakes the event queue.
 *
 * <p>On purpose, unlike the Rust daemon: a line number past the last line is an error status (Rust
 * panics); setting the interrupt type to NONE returns the waiting buffer at once with INVALID
 * (Rust leaves it waiting for an edge); the used length is what the device wrote (Rust claims the
 * whole response buffer even for a 2-byte error); malformed chains are returned and the queues
 * keep going (Rust's worker dies); config reads are bounds-checked by the core.
 */
public final class GpioDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(GpioDevice.class);
  static final int VIRTIO_ID_GPIO = 41;
  static final long VIRTIO_GPIO_F_IRQ = 1L << 0;
  static final int QUEUE_SIZE = 256;
  static final int REQUEST_QUEUE = 0;
  static final int EVENT_QUEUE = 1;

  static final int VIRTIO_GPIO_MSG_GET_NAMES = 0x0001;
  static final int VIRTIO_GPIO_MSG_GET_DIRECTION = 0x0002;
  static final int VIRTIO_GPIO_MSG_SET_DIRECTION = 0x0003;
  static final int VIRTIO_GPIO_MSG_GET_VALUE = 0x0004;
  static final int VIRTIO_GPIO_MSG_SET_VALUE = 0x0005;
  static final int VIRTIO_GPIO_MSG_IRQ_TYPE = 0x0006;
  static final int VIRTIO_GPIO_STATUS_OK = 0x0;
  static final int VIRTIO_GPIO_STATUS_ERR = 0x1;
  static final int VIRTIO_GPIO_IRQ_STATUS_INVALID = 0x0;
  static final int VIRTIO_GPIO_IRQ_STATUS_VALID = 0x1;
  /** struct virtio_gpio_request: le16 type, le16 gpio, le32 value. */
  static final int REQUEST_SIZE = 8;
  /** struct virtio_gpio_irq_request: le16 gpio; response: u8 status. */
  static final int IRQ_REQUEST_SIZE = 2;
  static final int IRQ_RESPONSE_SIZE = 1;

  private final GpioController controller;
  private final IrqWaits waits;
  private final MemorySegment statusByte = Arena.ofAuto().allocate(1);
  private volatile VirtQueue eventQueue;
  private EdgeLoop edgeLoop;
  /** The edge loop died (or never started): no wait can end with an interrupt any more. */
  private volatile boolean edgesLost;
  private long malformed;
  private long failures;

  /** A device for one connection; the chip is returned to its initial state first. */
  public GpioDevice(GpioController controller) {
    this.controller = controller;
    this.waits = new IrqWaits(controller.lines());
    controller.reset();
  }

  @Override
  public String name() {
    return "gpio";
  }

  @Override
  public int deviceType() {
    return VIRTIO_ID_GPIO;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY | VIRTIO_GPIO_F_IRQ;
  }

  @Override
  public int numQueues() {
    return 2;
  }

  @Override
  public int maxQueueSize(int queue) {
    return QUEUE_SIZE;
  }

  /** Both queues on one worker, as in the Rust daemon: line state needs no cross-queue locking. */
  @Override
  public int workerOf(int queue) {
    return 0;
  }

  @Override
  public int configSize() {
    return GpioController.CONFIG_SIZE;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    System.arraycopy(controller.config(), offset, dst, 0, dst.length);
  }

  @Override
  public synchronized void queueStarted(int queue, VirtQueue vq) {
    if (queue != EVENT_QUEUE) {
      return;
    }
    eventQueue = vq;
    if (edgeLoop == null) {
      edgesLost = false;
      try {
        edgeLoop = new EdgeLoop("vhost-gpio-edges", controller, waits, vq::wake, () -> {
          edgesLost = true;
          vq.wake();
        });
        edgeLoop.start();
      } catch (NativeException e) {
        LOG.error("gpio: cannot watch for edges, interrupts are answered INVALID: {}",
            e.getMessage());
        edgesLost = true;
      }
    }
  }

  @Override
  public synchronized void queueStopped(int queue) {
    if (queue != EVENT_QUEUE) {
      return;
    }
    eventQueue = null;
    waits.dropWaiting();
    if (edgeLoop != null) {
      edgeLoop.close();
      edgeLoop = null;
    }
  }

  @Override
  public void reset() {
    waits.reset();
    controller.reset();
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    if (queue == REQUEST_QUEUE) {
      handleRequests(vq);
    } else {
      handleEvents(vq);
    }
  }

  private void handleRequests(VirtQueue vq) throws Exception {
    DescriptorChain c;
    while ((c = vq.pop()) != null) {
      if (c.descriptorCount() != 2 || c.descriptorWritable(0)
          || c.descriptorLen(0) != REQUEST_SIZE || !c.descriptorWritable(1)) {
        rejectRequest(vq, c);
        continue;
      }
      int type = c.reader().readU16();
      int line = c.reader().readU16();
      int value = c.reader().readU32();
      int payload = c.descriptorLen(1) - 1;
      Writer out = c.writer();
      try {
        int written = execute(type, line, value, payload, out);
        vq.addUsed(c, 1 + written);
      } catch (IOException e) {
        if (failures++ % 1000 == 0) {
          LOG.info("gpio: request {} on line {} failed ({} so far): {}", type, line, failures,
              e.getMessage());
        }
        vq.addUsed(c, writeError(c.writer()));
      }
    }
    // An IRQ_TYPE NONE may have ended a wait: let the event queue return that buffer.
    VirtQueue events = eventQueue;
    if (events != null && waits.waitingCount() > 0) {
      events.wake();
    }
  }

  /**
   * Runs one request whose response has room for {@code payload} bytes after the status, writes
   * the status and payload, and returns the payload length. A payload size that differs from
   * what the request type produces is an error (the Rust rule).
   */
  private int execute(int type, int line, int value, int payload, Writer out)
      throws IOException, ChainTooShortException {
    int result = 0;
    switch (type) {
      case VIRTIO_GPIO_MSG_GET_NAMES -> {
        expect(payload, controller.namesSize());
        out.writeU8(VIRTIO_GPIO_STATUS_OK);
        byte[] names = controller.names();
        out.writeFully(MemorySegment.ofArray(names));
        return names.length;
      }
      case VIRTIO_GPIO_MSG_GET_DIRECTION -> {
        expect(payload, 1);
        result = controller.direction(line);
      }
      case VIRTIO_GPIO_MSG_SET_DIRECTION -> {
        expect(payload, 1);
        controller.setDirection(line, value);
      }
      case VIRTIO_GPIO_MSG_GET_VALUE -> {
        expect(payload, 1);
        result = controller.value(line);
      }
      case VIRTIO_GPIO_MSG_SET_VALUE -> {
        expect(payload, 1);
        controller.setValue(line, value);
      }
      case VIRTIO_GPIO_MSG_IRQ_TYPE -> {
        expect(payload, 1);
        controller.setIrqType(line, value);
        if (value == IrqType.NONE) {
          waits.clearLatch(line);
        } else if (IrqType.isLevel(value)) {
          waits.clearLatch(line);
        }
      }
      default -> throw new GpioException("unknown request type " + type);
    }
    out.writeU8(VIRTIO_GPIO_STATUS_OK);
    out.writeU8(result);
    return 1;
  }

  private static void expect(int payload, int wanted) throws GpioException {
    if (payload != wanted) {
      throw new GpioException("response buffer has room for " + payload + " bytes, the answer is "
          + wanted);
    }
  }

  /** Status ERR and a zero value byte where there is room; returns the bytes written. */
  private static int writeError(Writer out) throws ChainTooShortException {
    out.writeU8(VIRTIO_GPIO_STATUS_ERR);
    if (out.remaining() > 0) {
      out.writeU8(0);
      return 2;
    }
    return 1;
  }

  private void rejectRequest(VirtQueue vq, DescriptorChain c) throws Exception {
    if (malformed++ % 1000 == 0) {
      LOG.warn("gpio: malformed request {} ({} so far)", c.head(), malformed);
    }
    vq.addUsed(c, c.writableBytes() > 0 ? writeError(c.writer()) : 0);
  }

  private void handleEvents(VirtQueue vq) throws Exception {
    DescriptorChain c;
    while ((c = vq.pop()) != null) {
      if (c.descriptorCount() != 2 || c.descriptorWritable(0)
          || c.descriptorLen(0) != IRQ_REQUEST_SIZE || !c.descriptorWritable(1)
          || c.descriptorLen(1) != IRQ_RESPONSE_SIZE) {
        if (malformed++ % 1000 == 0) {
          LOG.warn("gpio: malformed event buffer {} ({} so far)", c.head(), malformed);
        }
        vq.addUsed(c, 0);
        continue;
      }
      int line = c.reader().readU16();
      boolean invalid = edgesLost || line >= controller.lines()
          || controller.irqType(line) == IrqType.NONE || waits.isWaiting(line);
      if (invalid) {
        c.writer().writeU8(VIRTIO_GPIO_IRQ_STATUS_INVALID);
        vq.addUsed(c, IRQ_RESPONSE_SIZE);
        continue;
      }
      boolean now = waits.takeLatch(line) || levelHolds(line);
      if (now) {
        c.writer().writeU8(VIRTIO_GPIO_IRQ_STATUS_VALID);
        vq.addUsed(c, IRQ_RESPONSE_SIZE);
      } else {
        waits.park(line, c.head(), c.descriptorAddr(1));
      }
    }
    // Waits end with INVALID when their interrupt was disabled or edges can no longer arrive.
    waits.completeReady(line -> edgesLost ? IrqType.NONE : controller.irqType(line),
        (line, head, addr, valid) -> {
      statusByte.set(ValueLayout.JAVA_BYTE, 0,
          (byte) (valid ? VIRTIO_GPIO_IRQ_STATUS_VALID : VIRTIO_GPIO_IRQ_STATUS_INVALID));
      try {
        vq.memory().write(addr, statusByte);
        vq.addUsed(head, IRQ_RESPONSE_SIZE);
      } catch (GuestMemoryException e) {
        vq.addUsed(head, 0); // the guest moved its memory under the buffer
      }
    });
  }

  /** A level interrupt fires whenever its level holds when a buffer arrives. */
  private boolean levelHolds(int line) {
    int type = controller.irqType(line);
    if (!IrqType.isLevel(type)) {
      return false;
    }
    try {
      return IrqType.fires(type, controller.value(line) == 1);
    } catch (IOException e) {
      return false;
    }
  }
}
