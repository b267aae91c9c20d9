// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-vsock (device ID 19) for one frontend session of one VM: three queues (RX, TX, event)
 * on one worker thread, an 8-byte config space holding the guest CID, and the {@link
 * VsockEngine} that moves packets between the rings and the host sockets.
 */
public final class VsockDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(VsockDevice.class);
  static final int VIRTIO_ID_VSOCK = 19;
  static final int RX = 0;
  static final int TX = 1;
  static final int EVENT = 2;
  static final int NUM_QUEUES = 3;
  static final int CONFIG_SIZE = 8;
  /** struct virtio_vsock_event: u32 id; id 0 = VIRTIO_VSOCK_EVENT_TRANSPORT_RESET. */
  static final int EVENT_TRANSPORT_RESET = 0;
  static final int EVENT_SIZE = 4;
  /** The Rust daemon's feature word: no INDIRECT_DESC. */
  static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.NOTIFY_ON_EMPTY
      | VirtioFeatures.RING_EVENT_IDX | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES;

  private final VmBackend vm;
  private final VmConfig config;
  private final VsockEngine engine;
  private volatile VirtQueue rxVq;
  private volatile VirtQueue txVq;
  private boolean transportResetPending = true;

  VsockDevice(VmBackend vm) {
    this.vm = vm;
    this.config = vm.config();
    this.engine = new VsockEngine(vm, this);
  }

  VsockEngine engine() {
    return engine;
  }

  @Override
  public String name() {
    return "vsock";
  }

  @Override
  public int deviceType() {
    return VIRTIO_ID_VSOCK;
  }

  @Override
  public long features() {
    return FEATURES;
  }

  @Override
  public int numQueues() {
    return NUM_QUEUES;
  }

  @Override
  public int maxQueueSize(int queue) {
    return config.queueSize();
  }

  /** One worker for all three queues: the connection table needs no locking. */
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
    byte[] cfg = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(config.guestCid()).array();
    System.arraycopy(cfg, offset, dst, 0, dst.length);
  }

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    if (queue == RX) {
      rxVq = vq;
      vm.loop().setWaker(vq::wake);
      vq.wake();
    } else if (queue == TX) {
      txVq = vq;
    }
  }

  @Override
  public void queueStopped(int queue) {
    if (queue == RX) {
      rxVq = null;
      vm.loop().setWaker(null);
    } else if (queue == TX) {
      txVq = null;
    }
  }

  boolean rxRunning() {
    return rxVq != null;
  }

  void wakeRx() {
    VirtQueue q = rxVq;
    if (q != null) {
      q.wake();
    }
  }

  void wakeTx() {
    VirtQueue q = txVq;
    if (q != null) {
      q.wake();
    }
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    switch (queue) {
      case RX -> {
        engine.processHostEvents();
        if (engine.hasConnectRetries()) {
          engine.retryConnects();
          if (engine.hasConnectRetries()) {
            vq.retryAfter(VsockEngine.CONNECT_RETRY_INTERVAL_NANOS);
          }
        }
        engine.fillRx(vq);
      }
      case TX -> {
        engine.processTx(vq);
        if (engine.hasRxWork() || engine.hasConnectRetries()) {
          wakeRx();
        }
      }
      case EVENT -> deliverEvents(vq);
      default -> LOG.warn("vsock: kick for unknown queue {}", queue);
    }
  }

  /**
   * The first event buffer of a session carries TRANSPORT_RESET: the guest drops connections a
   * previous frontend (or a restarted daemon) left behind and re-reads its CID.
   */
  private void deliverEvents(VirtQueue vq) throws Exception {
    while (transportResetPending) {
      DescriptorChain c = vq.pop();
      if (c == null) {
        return;
      }
      if (c.writableBytes() < EVENT_SIZE) {
        vq.addUsed(c, 0);
        continue;
      }
      c.writer().writeU32(EVENT_TRANSPORT_RESET);
      vq.addUsed(c, EVENT_SIZE);
      transportResetPending = false;
      LOG.debug("vsock cid {}: TRANSPORT_RESET delivered", config.guestCid());
    }
  }

  /** RESET_DEVICE: the driver starts over, so its connections are gone. */
  @Override
  public void reset() {
    dropAllConnections("the device was reset");
    transportResetPending = true;
  }

  /**
   * The frontend connection ended (QEMU quit or was killed, with no RESET_DEVICE first): the
   * guest's connections end with it, so host programs see EOF or a reset at once instead of
   * hanging until the next frontend connects. Runs after the session's workers stopped.
   */
  @Override
  public void close() {
    dropAllConnections("the frontend disconnected");
  }

  void dropAllConnections(String why) {
    engine.dropAll(why);
  }
}
