// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.device;

import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.sys.OwnedFd;

/**
 * What a device module implements: the whole guest-visible device, and nothing about sockets,
 * messages, eventfds or ring indices. The core creates one instance per frontend connection (see
 * {@link DeviceFactory}), so a device starts every session from a clean state.
 *
 * <p>Threading: {@link #handleQueue} runs on the worker thread of that queue's group (see {@link
 * #workerOf}); every other method runs on the connection's control thread. The core never calls
 * {@code handleQueue} for a queue while that queue is being stopped or reset.
 */
public interface VirtioDevice {
  /**
   * Feature bits every device of this project offers: VERSION_1, INDIRECT_DESC, EVENT_IDX and
   * the vhost-user PROTOCOL_FEATURES bit (the same word the Rust daemons offer).
   */
  long COMMON_FEATURES =
      VirtioFeatures.VERSION_1
          | VirtioFeatures.RING_INDIRECT_DESC
          | VirtioFeatures.RING_EVENT_IDX
          | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES;

  /** Short name for logs, e.g. "rng". */
  String name();

  /** The virtio device ID (4 = entropy, ...). The frontend picks it; we report it in tools. */
  int deviceType();

  /** The full feature word offered in GET_FEATURES, usually {@link #COMMON_FEATURES} | own bits. */
  long features();

  /**
   * vhost-user protocol features beyond the ones the core always offers (MQ, REPLY_ACK,
   * RESET_DEVICE, CONFIGURE_MEM_SLOTS; CONFIG is added when {@link #configSize()} is non-zero).
   */
  default long extraProtocolFeatures() {
    return 0;
  }

  int numQueues();

  /** Largest ring the driver may configure for {@code queue}: a power of two ≤ 32768. */
  int maxQueueSize(int queue);

  /**
   * Which worker thread serves {@code queue}. Queues with the same number share one thread (and
   * may then share unsynchronised state); by default every queue has its own.
   */
  default int workerOf(int queue) {
    return queue;
  }

  /** Size of the device configuration space in bytes (0: none, and no CONFIG protocol feature). */
  default int configSize() {
    return 0;
  }

  /** Fills {@code dst} with config space bytes from {@code offset}; the core checks the bounds. */
  default void readConfig(int offset, byte[] dst) {}

  /**
   * The driver writes config space. The core checks the bounds; the device decides which fields
   * are writable. The default refuses, which fails the SET_CONFIG request.
   */
  default void writeConfig(int offset, byte[] data) throws DeviceException {
    throw new DeviceException(name() + " has no writable configuration fields");
  }

  /**
   * VHOST_USER_GPU_SET_SOCKET: the frontend hands a GPU device the socket of the vhost-user-gpu
   * display protocol. The device owns {@code socket} from here on. The default (every device
   * that is not a GPU) closes it and refuses the request.
   */
  default void gpuSocket(OwnedFd socket) throws DeviceException {
    socket.close();
    throw new DeviceException(name() + " is not a GPU: GPU_SET_SOCKET refused");
  }

  /** The driver accepted {@code features} (a subset of {@link #features()}). */
  default void ackFeatures(long features) {}

  /** The queue was started (configured, enabled, memory mapped) and may be kicked from now on. */
  default void queueStarted(int queue, VirtQueue vq) {}

  /**
   * The queue was stopped (GET_VRING_BASE, reset, disconnect). After this returns the device must
   * not touch {@code queue}'s ring or buffers; chains it still held are lost with the ring.
   */
  default void queueStopped(int queue) {}

  /**
   * The driver made buffers available on {@code queue}. Pop chains from {@code vq}, complete them
   * with {@link VirtQueue#addUsed}; the core publishes the used ring and notifies the guest once
   * per batch. A malformed request should be answered with the device's error status; an
   * exception from here is logged, the request last popped (if not completed or put back) is
   * returned to the guest with length 0, and the queue keeps being served.
   */
  void handleQueue(int queue, VirtQueue vq) throws Exception;

  /** RESET_DEVICE or a frontend reset: return to the state of a freshly created device. */
  default void reset() {}

  /**
   * The frontend connection ended and every queue has stopped: release what this session held
   * (host lines, open files, threads of its own). Called once, after the last {@code
   * queueStopped}, on the connection's thread; the device is not used again.
   */
  default void close() {}

  /** Device state for migration; must be taken while every queue is stopped. */
  default byte[] saveState() {
    return new byte[0];
  }

  /** Restores what {@link #saveState()} produced, before the queues start. */
  default void restoreState(byte[] state) throws DeviceException {
    if (state.length != 0) {
      throw new DeviceException(name() + " has no state to restore");
    }
  }
}
