// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

/**
 * The virtio-can controller state shared by the worker (control and TX queues) and the receive
 * loop (bus-off): STARTED or STOPPED, and the config status word. Guarded by this object; the
 * methods are tiny and uncontended.
 */
final class CanController {
  private boolean started;
  private int status;

  /** SET_CTRL_MODE_START: false if already started. Clears a bus-off. */
  synchronized boolean start() {
    if (started) {
      return false;
    }
    started = true;
    status = 0;
    return true;
  }

  /** SET_CTRL_MODE_STOP: false if already stopped. */
  synchronized boolean stop() {
    if (!started) {
      return false;
    }
    started = false;
    status = 0;
    return true;
  }

  /** The controller went off the bus: status bit 0 (VIRTIO_CAN_S_CTRL_BUSOFF), STOPPED. */
  synchronized void busOff() {
    started = false;
    status |= VirtioCan.VIRTIO_CAN_S_CTRL_BUSOFF;
  }

  synchronized boolean started() {
    return started;
  }

  synchronized int status() {
    return status;
  }

  synchronized void reset() {
    started = false;
    status = 0;
  }
}
