// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.InvalidRingException;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * The virtio-scmi device (virtio device ID 32): SCMI commands from the guest on the command
 * queue (a readable request: header + parameters, a writable response buffer), sensor update
 * notifications to the guest on the event queue (VIRTIO_SCMI_F_P2A_CHANNELS).
 *
 * <p>Unlike the Rust daemon, a malformed request never stops the queue: a request with a wrong
 * length gets PROTOCOL_ERROR, one whose answer does not fit gets COMMS_ERROR, and a chain too
 * short for a header or a status is returned with used length 0. Event buffers are not held:
 * they stay in the ring until a notification is ready, and notifications wait (bounded) for a
 * buffer instead of being lost.
 */
final class ScmiDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(ScmiDevice.class);

  static final int DEVICE_ID = 32;
  static final int COMMAND_QUEUE = 0;
  static final int EVENT_QUEUE = 1;
  static final int NUM_QUEUES = 2;
  /** The Rust daemon's size; its comment says virtio-mmio guests need at least 1024. */
  static final int QUEUE_SIZE = 1024;
  static final long F_P2A_CHANNELS = 1L << 0;
  static final int HEADER_BYTES = 4;
  /** Header + status: the shortest response (an error). */
  static final int STATUS_RESPONSE_BYTES = 8;
  static final int MAX_PENDING_NOTIFICATIONS = 32;

  /** Guards the sensors and the pending notifications (command worker vs. event loop). */
  private final Object lock = new Object();
  private final List<Sensor> sensors;
  private final ScmiHandler handler;
  private final Words response;
  private final Words notification;
  private final NotificationQueue pending;
  private final SensorEventLoop loop;
  private volatile VirtQueue eventQueue;
  private long malformed;

  ScmiDevice(List<Sensor> sensors) throws IOException {
    this.sensors = List.copyOf(sensors);
    this.handler = new ScmiHandler(sensors);
    this.response = new Words(handler.maxResponseWords());
    int noteWords = handler.sensors().maxNotificationWords();
    this.notification = new Words(noteWords);
    this.pending = new NotificationQueue(MAX_PENDING_NOTIFICATIONS, noteWords);
    int[] fds = new int[sensors.size()];
    for (int i = 0; i < fds.length; i++) {
      fds[i] = sensors.get(i).updateFd();
    }
    this.loop = SensorEventLoop.start(fds, this::sensorUpdate, "vhost-scmi-sensors");
  }

  @Override
  public String name() {
    return "scmi";
  }

  @Override
  public int deviceType() {
    return DEVICE_ID;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY | F_P2A_CHANNELS;
  }

  @Override
  public int numQueues() {
    return NUM_QUEUES;
  }

  @Override
  public int maxQueueSize(int queue) {
    return QUEUE_SIZE;
  }

  /** Both queues on one worker: they share the sensors, and SCMI traffic is light. */
  @Override
  public int workerOf(int queue) {
    return 0;
  }

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    if (queue == EVENT_QUEUE) {
      eventQueue = vq;
      synchronized (lock) {
        if (!pending.isEmpty()) {
          vq.wake();
        }
      }
    }
  }

  @Override
  public void queueStopped(int queue) {
    if (queue == EVENT_QUEUE) {
      eventQueue = null;
    }
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    if (queue == COMMAND_QUEUE) {
      DescriptorChain chain;
      while ((chain = vq.pop()) != null) {
        vq.addUsed(chain, serve(chain));
      }
    } else {
      deliverNotifications(vq);
    }
  }

  /** Answers one command; returns the bytes written to the response buffer. */
  int serve(DescriptorChain chain) throws ChainTooShortException {
    long readable = chain.readableBytes();
    long writable = chain.writableBytes();
    if (readable < HEADER_BYTES || writable < STATUS_RESPONSE_BYTES) {
      noteMalformed("request of " + readable + " readable / " + writable
          + " writable bytes cannot carry an SCMI message");
      return 0;
    }
    Reader in = chain.reader();
    int header = in.readU32();
    int params = ScmiHandler.parameterCount(ScmiHeader.protocolId(header),
        ScmiHeader.messageId(header));
    int maxBytes = (int) Math.min(writable, Integer.MAX_VALUE);
    synchronized (lock) {
      if (params >= 0 && readable != HEADER_BYTES + 4L * params) {
        noteMalformed("message 0x" + Integer.toHexString(header) + " has " + readable
            + " bytes, expected " + (HEADER_BYTES + 4 * params));
        response.clear();
        response.add(header);
        response.add(ScmiStatus.PROTOCOL_ERROR);
      } else {
        int p0 = params > 0 ? in.readU32() : 0;
        int p1 = params > 1 ? in.readU32() : 0;
        handler.handle(header, p0, p1, response, maxBytes);
      }
      if (response.byteSize() > writable) {
        LOG.debug("response of {} bytes does not fit into {}", response.byteSize(), writable);
        response.truncate(1);
        response.add(ScmiStatus.COMMS_ERROR);
      }
      Writer out = chain.writer();
      for (int i = 0; i < response.size(); i++) {
        out.writeU32(response.get(i));
      }
      return response.byteSize();
    }
  }

  private void noteMalformed(String what) {
    malformed++;
    // First one and then one per thousand: a hostile guest must not flood the log.
    if (malformed == 1 || malformed % 1000 == 0) {
      LOG.warn("malformed SCMI request ({} so far): {}", malformed, what);
    }
  }

  /** Runs on the event-loop thread: turns a sensor update into a pending notification. */
  void sensorUpdate(int index) {
    VirtQueue vq;
    synchronized (lock) {
      notification.clear();
      if (!handler.sensors().update(index, notification)) {
        return;
      }
      pending.offer(notification);
      vq = eventQueue;
    }
    if (vq != null) {
      vq.wake();
    }
  }

  /** Completes event buffers with pending notifications; other buffers stay in the ring. */
  private void deliverNotifications(VirtQueue vq) throws InvalidRingException,
      ChainTooShortException {
    synchronized (lock) {
      DescriptorChain chain;
      while (!pending.isEmpty() && (chain = vq.pop()) != null) {
        Words note = pending.peek();
        if (chain.writableBytes() < note.byteSize()) {
          noteMalformed("event buffer of " + chain.writableBytes() + " writable bytes is"
              + " shorter than a " + note.byteSize() + "-byte notification");
          vq.addUsed(chain, 0);
          continue;
        }
        Writer out = chain.writer();
        for (int i = 0; i < note.size(); i++) {
          out.writeU32(note.get(i));
        }
        vq.addUsed(chain, note.byteSize());
        pending.remove();
      }
    }
  }

  @Override
  public void reset() {
    synchronized (lock) {
      handler.sensors().reset();
      pending.clear();
    }
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
    synchronized (lock) {
      for (Sensor s : sensors) {
        s.close();
      }
    }
  }

  int pendingNotifications() {
    synchronized (lock) {
      return pending.size();
    }
  }

  long malformedRequests() {
    return malformed;
  }

  ScmiHandler handler() {
    return handler;
  }
}
