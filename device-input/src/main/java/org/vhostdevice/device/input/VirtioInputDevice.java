// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-input (device ID 18) passing one host event device through, one instance per frontend
 * session (it opens the event device and closes it when the session ends): eventq (0) carries
 * virtio_input_event records to the guest, statusq (1) carries feedback (LEDs, sound) back to
 * the device. Both queues share one worker.
 *
 * <p>Unlike the Rust daemon: events reach the guest whether or not EVENT_IDX was negotiated;
 * an event buffer with fewer than 8 writable bytes is returned with length 0 instead of being
 * written past its end; the status queue is served; the config honours the write offset
 * (one-byte writes of select and subsel work) and reports real sizes.
 */
final class VirtioInputDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(VirtioInputDevice.class);
  static final int VIRTIO_ID_INPUT = 18;
  static final int EVENTQ = 0;
  static final int STATUSQ = 1;
  static final int QUEUE_SIZE = 1024;
  /** struct virtio_input_event: type le16 @0, code le16 @2, value le32 @4. */
  static final int EVENT_SIZE = 8;

  private final EventPump pump;
  private final InputConfig config;
  private volatile VirtQueue eventVq;
  private long shortBuffers;
  private long feedbackErrors;

  VirtioInputDevice(EventPump pump) {
    this.pump = pump;
    this.config = new InputConfig(pump.device());
  }

  /** Opens {@code path} through {@code io} and starts reading it for a new session. */
  static VirtioInputDevice open(EvdevIo io, String path, boolean grab) throws IOException {
    Evdev dev = Evdev.open(io, path);
    EventPump pump;
    try {
      pump = new EventPump(dev, grab, EventPump.QUEUE_CAPACITY);
    } catch (IOException | RuntimeException e) {
      dev.close();
      throw e;
    }
    pump.start();
    return new VirtioInputDevice(pump);
  }

  EventPump pump() {
    return pump;
  }

  long shortBuffers() {
    return shortBuffers;
  }

  @Override
  public String name() {
    return "input";
  }

  @Override
  public int deviceType() {
    return VIRTIO_ID_INPUT;
  }

  /** The Rust daemon's word: no NOTIFY_ON_EMPTY. */
  @Override
  public long features() {
    return COMMON_FEATURES;
  }

  @Override
  public int numQueues() {
    return 2;
  }

  @Override
  public int maxQueueSize(int queue) {
    return QUEUE_SIZE;
  }

  @Override
  public int workerOf(int queue) {
    return 0;
  }

  @Override
  public int configSize() {
    return InputConfig.SIZE;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    config.read(offset, dst);
  }

  @Override
  public void writeConfig(int offset, byte[] data) {
    config.write(offset, data);
  }

  InputConfig config() {
    return config;
  }

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    if (queue == EVENTQ) {
      eventVq = vq;
      pump.attach(this::wakeEvents);
    }
  }

  @Override
  public void queueStopped(int queue) {
    if (queue == EVENTQ) {
      eventVq = null;
      pump.detach();
    }
  }

  /** The session is over: stop reading, ungrab and close the event device. */
  @Override
  public void close() {
    pump.close();
  }

  private void wakeEvents() {
    VirtQueue q = eventVq;
    if (q != null) {
      q.wake();
    }
  }

  @Override
  public void reset() {
    config.reset();
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    if (queue == EVENTQ) {
      deliverEvents(vq);
    } else {
      takeStatus(vq);
    }
  }

  /** Queued events into event buffers, one event per buffer. */
  void deliverEvents(VirtQueue vq) throws Exception {
    while (!pump.isEmpty()) {
      DescriptorChain c = vq.pop();
      if (c == null) {
        return;
      }
      if (c.writableBytes() < EVENT_SIZE) {
        if (shortBuffers++ % 1000 == 0) {
          LOG.warn("input: event buffer of {} writable bytes returned unused ({} so far)",
              c.writableBytes(), shortBuffers);
        }
        vq.addUsed(c, 0);
        continue;
      }
      long e = pump.peek();
      Writer w = c.writer();
      w.writeU16(EventPump.type(e));
      w.writeU16(EventPump.code(e));
      w.writeU32(EventPump.value(e));
      pump.remove();
      vq.addUsed(c, EVENT_SIZE);
    }
  }

  /** Feedback from the guest (caps lock LED, a bell) written to the host device. */
  void takeStatus(VirtQueue vq) throws Exception {
    DescriptorChain c;
    while ((c = vq.pop()) != null) {
      if (c.readableBytes() >= EVENT_SIZE) {
        Reader r = c.reader();
        int type = r.readU16();
        int code = r.readU16();
        int value = r.readU32();
        if (type == InputConfig.EV_LED || type == InputConfig.EV_SND) {
          try {
            pump.device().write(type, code, value);
          } catch (IOException e) {
            if (feedbackErrors++ % 1000 == 0) {
              LOG.warn("input: feedback to {} failed: {}", pump.device().path(), e.getMessage());
            }
          }
        }
      }
      vq.addUsed(c, 0);
    }
  }
}
