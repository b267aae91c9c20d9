// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.vhostuser.device.DeviceException;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * The virtio-scsi device of one frontend connection: queue 0 control, 1 event, 2.. request
 * queues. The control and event queues share a worker; each request queue has its own, so a
 * guest with several vCPUs and {@code num_queues > 1} issues I/O in parallel. The target and its
 * images are shared with every other connection (they are thread-safe).
 */
public final class ScsiDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(ScsiDevice.class);
  /** The Rust daemon's ring size limit, QEMU's default for vhost-user-scsi-pci. */
  static final int MAX_QUEUE_SIZE = 128;

  private final ScsiConfig config;
  private final ControlQueue control;
  private final RequestQueue[] requestQueues;

  ScsiDevice(EmulatedTarget target, int requestQueueCount) {
    if (requestQueueCount < 1) {
      throw new IllegalArgumentException("at least one request queue is needed");
    }
    this.config = new ScsiConfig(requestQueueCount);
    this.control = new ControlQueue(target.lunCount());
    this.requestQueues = new RequestQueue[requestQueueCount];
    for (int i = 0; i < requestQueueCount; i++) {
      requestQueues[i] = new RequestQueue(target);
    }
  }

  @Override
  public String name() {
    return "scsi";
  }

  @Override
  public int deviceType() {
    return VirtioScsi.DEVICE_ID;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioScsi.F_HOTPLUG | VirtioScsi.F_CHANGE;
  }

  @Override
  public int numQueues() {
    return VirtioScsi.FIRST_REQUEST_QUEUE + requestQueues.length;
  }

  @Override
  public int maxQueueSize(int queue) {
    return MAX_QUEUE_SIZE;
  }

  @Override
  public int workerOf(int queue) {
    // Control and event together on worker 0; request queue i on worker i + 1.
    return queue < VirtioScsi.FIRST_REQUEST_QUEUE ? 0 : queue - 1;
  }

  @Override
  public int configSize() {
    return ScsiConfig.SIZE;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    config.read(offset, dst);
  }

  @Override
  public void writeConfig(int offset, byte[] data) throws DeviceException {
    // The Rust daemon panics here. The sense and CDB sizes are fixed by the wire layout.
    throw new DeviceException("virtio-scsi config space is read-only here (sense_size and"
        + " cdb_size are fixed at 96 and 32)");
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    if (queue == VirtioScsi.CONTROL_QUEUE) {
      control.handle(vq);
    } else if (queue >= VirtioScsi.FIRST_REQUEST_QUEUE) {
      requestQueues[queue - VirtioScsi.FIRST_REQUEST_QUEUE].handle(vq);
    }
    // The event queue: buffers stay with us until there is an event to report. We report none
    // (no hotplug, no parameter changes), and leaving them on the ring loses nothing.
  }

  @Override
  public void reset() {
    LOG.debug("reset");
  }

  RequestQueue requestQueue(int i) {
    return requestQueues[i];
  }
}
