// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import java.io.IOException;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.vhostuser.device.VirtQueue;
import org.vhostdevice.vhostuser.device.VirtioDevice;

/**
 * virtio-spi (device ID 45), an SPI controller with one chip select backed by a host spidev: one
 * request queue, a 32-byte config space probed from the spidev when the frontend connects.
 *
 * <p>The spidev is open while the request queue runs (queueStarted to queueStopped), so a
 * frontend that goes away leaves no descriptor behind; the Rust daemon holds it for the whole
 * connection. A request never kills the device: malformed ones get PARAM_ERR, failed transfers
 * TRANS_ERR, and the queue goes on.
 */
public final class VirtioSpiDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(VirtioSpiDevice.class);
  static final int VIRTIO_ID_SPI = 45;
  static final int QUEUE_SIZE = 1024;

  private final VirtioSpiConfig config;
  private final byte[] configBytes;
  private final Spidev.Opener opener;
  private final Lock busLock;
  private SpidevOps dev;
  private SpiBatch batch;

  VirtioSpiDevice(VirtioSpiConfig config, Spidev.Opener opener, Lock busLock) {
    this.config = config;
    this.configBytes = config.toBytes();
    this.opener = opener;
    this.busLock = busLock;
  }

  /** Opens the spidev and reads its capabilities: what a new frontend connection sees. */
  public static VirtioSpiDevice probe(Spidev.Opener opener, Lock busLock) throws IOException {
    VirtioSpiConfig config;
    busLock.lock();
    try (SpidevOps ops = new SpidevOps(opener.open())) {
      config = VirtioSpiConfig.probe(ops);
    } finally {
      busLock.unlock();
    }
    return new VirtioSpiDevice(config, opener, busLock);
  }

  VirtioSpiConfig config() {
    return config;
  }

  @Override
  public String name() {
    return "spi";
  }

  @Override
  public int deviceType() {
    return VIRTIO_ID_SPI;
  }

  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY;
  }

  @Override
  public int numQueues() {
    return 1;
  }

  @Override
  public int maxQueueSize(int queue) {
    return QUEUE_SIZE;
  }

  @Override
  public int configSize() {
    return VirtioSpiConfig.SIZE;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    System.arraycopy(configBytes, offset, dst, 0, dst.length);
  }

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    if (batch == null) {
      batch = new SpiBatch(config, busLock, QUEUE_SIZE);
    }
    if (dev == null) {
      try {
        dev = new SpidevOps(opener.open());
      } catch (IOException e) {
        // Requests will get TRANS_ERR until the queue is restarted with the spidev back.
        LOG.error("spi: cannot open the spidev: {}", e.getMessage());
      }
    }
  }

  @Override
  public void queueStopped(int queue) {
    if (dev != null) {
      dev.close();
      dev = null;
    }
    if (batch != null) {
      batch.close();
      batch = null;
    }
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    if (batch == null) {
      batch = new SpiBatch(config, busLock, QUEUE_SIZE);
    }
    batch.run(vq, dev);
  }
}
