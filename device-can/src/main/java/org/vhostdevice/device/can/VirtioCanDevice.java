// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.vhostdevice.device.can.VirtioCan.CONTROLQ;
import static org.vhostdevice.device.can.VirtioCan.RXQ;
import static org.vhostdevice.device.can.VirtioCan.TXQ;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_RESULT_NOT_OK;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_RESULT_OK;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
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
 * virtio-can (device ID 36) on one host CAN interface: a TX queue, an RX queue and a control
 * queue of 64 entries, all served by one worker; a receive loop thread per connection blocks in
 * epoll on the interface and wakes the RX queue.
 *
 * <p>The interface is open while any queue runs (queueStarted to the last queueStopped). RX
 * buffers are only taken when a frame is there for them; frames wait in a bounded FIFO for
 * buffers. No guest or bus input stops the device: a malformed request gets NOT_OK, a frame
 * the guest cannot take is dropped and logged.
 */
public final class VirtioCanDevice implements VirtioDevice {
  private static final Logger LOG = LoggerFactory.getLogger(VirtioCanDevice.class);
  static final int RX_FIFO_FRAMES = 512;

  private final String ifname;
  private final CanBus.Opener opener;
  private final boolean fdCapable;
  private final CanController controller = new CanController();
  private final CanRxFifo fifo = new CanRxFifo(RX_FIFO_FRAMES);
  private final CanFrame txFrame = new CanFrame();
  private final CanFrame rxFrame = new CanFrame();
  private final MemorySegment rxData = MemorySegment.ofArray(rxFrame.data);
  private final boolean[] running = new boolean[3];
  private volatile long acked;
  private volatile VirtQueue rxQueue;
  private CanBus bus;
  private CanRxLoop rxLoop;
  private long problems;

  VirtioCanDevice(String ifname, CanBus.Opener opener, boolean fdCapable) {
    this.ifname = ifname;
    this.opener = opener;
    this.fdCapable = fdCapable;
  }

  /** A device for a new connection: opens the interface once to learn whether it does CAN FD. */
  public static VirtioCanDevice probe(String ifname, CanBus.Opener opener) throws IOException {
    try (CanBus b = opener.open(ifname)) {
      return new VirtioCanDevice(ifname, opener, b.fdCapable());
    }
  }

  CanController controller() {
    return controller;
  }

  int pendingFrames() {
    return fifo.size();
  }

  @Override
  public String name() {
    return "can";
  }

  @Override
  public int deviceType() {
    return VirtioCan.VIRTIO_ID_CAN;
  }

  /** CAN_CLASSIC always, CAN_FD when the interface's MTU carries FD frames. */
  @Override
  public long features() {
    return COMMON_FEATURES | VirtioFeatures.NOTIFY_ON_EMPTY | 1L << VirtioCan.F_CAN_CLASSIC
        | (fdCapable ? 1L << VirtioCan.F_CAN_FD : 0);
  }

  @Override
  public void ackFeatures(long features) {
    acked = features;
  }

  @Override
  public int numQueues() {
    return 3;
  }

  @Override
  public int maxQueueSize(int queue) {
    return VirtioCan.QUEUE_SIZE;
  }

  /** One worker: the three queues share the controller state without locks of their own. */
  @Override
  public int workerOf(int queue) {
    return 0;
  }

  @Override
  public int configSize() {
    return VirtioCan.CONFIG_SIZE;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    int status = controller.status();
    for (int i = 0; i < dst.length; i++) {
      int at = offset + i;
      dst[i] = at == 0 ? (byte) status : at == 1 ? (byte) (status >> 8) : 0;
    }
  }

  @Override
  public void queueStarted(int queue, VirtQueue vq) {
    running[queue] = true;
    if (queue == RXQ) {
      rxQueue = vq;
    }
    if (bus == null) {
      openBus();
    }
    if (queue == RXQ && fifo.size() > 0) {
      vq.wake();
    }
  }

  private void openBus() {
    CanBus b = null;
    try {
      b = opener.open(ifname);
      CanRxLoop loop = new CanRxLoop(b, fifo, controller, this::wakeRx);
      bus = b;
      rxLoop = loop;
      loop.start();
    } catch (IOException e) {
      if (b != null) {
        b.close();
      }
      // START will answer NOT_OK until a restarted queue finds the interface again.
      LOG.error("can {}: cannot open the interface: {}", ifname, e.getMessage());
    }
  }

  private void wakeRx() {
    VirtQueue q = rxQueue;
    if (q != null) {
      q.wake();
    }
  }

  @Override
  public void queueStopped(int queue) {
    running[queue] = false;
    if (queue == RXQ) {
      rxQueue = null;
    }
    if (!running[TXQ] && !running[RXQ] && !running[CONTROLQ]) {
      closeBus();
    }
  }

  private void closeBus() {
    if (rxLoop != null) {
      rxLoop.close();
      rxLoop = null;
    }
    if (bus != null) {
      bus.close();
      bus = null;
    }
  }

  @Override
  public void reset() {
    controller.reset();
    fifo.clear();
  }

  @Override
  public void handleQueue(int queue, VirtQueue vq) throws Exception {
    switch (queue) {
      case TXQ -> transmit(vq);
      case RXQ -> receive(vq);
      case CONTROLQ -> control(vq);
      default -> throw new IllegalArgumentException("virtio-can has no queue " + queue);
    }
  }

  private void control(VirtQueue vq) throws InvalidRingException, ChainTooShortException {
    DescriptorChain chain;
    while ((chain = vq.pop()) != null) {
      Writer w = chain.writer();
      if (w.remaining() < 1) {
        complain("control request without a result byte");
        vq.addUsed(chain, 0);
        continue;
      }
      byte result = VIRTIO_CAN_RESULT_NOT_OK;
      Reader r = chain.reader();
      if (r.remaining() < 2) {
        complain("control request shorter than 2 bytes");
      } else {
        switch (r.readU16()) {
          case VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_START -> {
            if (bus != null) {
              fifo.clear(); // nothing from before the start may reach the guest
              if (controller.start()) {
                result = VIRTIO_CAN_RESULT_OK;
                rxLoop.resume();
              }
            }
          }
          case VirtioCan.VIRTIO_CAN_SET_CTRL_MODE_STOP -> {
            if (controller.stop()) {
              result = VIRTIO_CAN_RESULT_OK;
            }
            fifo.clear();
          }
          default -> complain("unknown control message type");
        }
      }
      w.writeU8(result);
      vq.addUsed(chain, 1);
    }
  }

  private void transmit(VirtQueue vq) throws InvalidRingException, ChainTooShortException {
    DescriptorChain chain;
    while ((chain = vq.pop()) != null) {
      Writer w = chain.writer();
      if (w.remaining() < 1) {
        complain("TX request without a result byte");
        vq.addUsed(chain, 0);
        continue;
      }
      w.writeU8(transmit(chain.reader()));
      vq.addUsed(chain, 1);
    }
  }

  private byte transmit(Reader r) throws ChainTooShortException {
    if (r.remaining() < VirtioCan.HEADER_SIZE) {
      complain("TX frame shorter than its 16-byte header");
      return VIRTIO_CAN_RESULT_NOT_OK;
    }
    int msgType = r.readU16();
    int length = r.readU16();
    r.readU32(); // reserved
    int flags = r.readU32();
    int canId = r.readU32();
    if (length > VirtioCan.SDU_SIZE || r.remaining() < length) {
      complain("TX frame data shorter than its length field");
      return VIRTIO_CAN_RESULT_NOT_OK;
    }
    if (!controller.started()) {
      return VIRTIO_CAN_RESULT_NOT_OK;
    }
    String invalid = VirtioCanFrames.checkTx(msgType, flags, canId, length, acked, txFrame);
    if (invalid != null) {
      // A guest mistake fails this frame only; Rust also takes the controller off the bus.
      complain(invalid);
      return VIRTIO_CAN_RESULT_NOT_OK;
    }
    byte[] data = txFrame.data;
    for (int k = 0; k < length; k++) {
      data[k] = (byte) r.readU8();
    }
    java.util.Arrays.fill(data, length, data.length, (byte) 0);
    try {
      bus.send(txFrame);
      return VIRTIO_CAN_RESULT_OK;
    } catch (CanSendException e) {
      if (!e.transient_()) {
        // The interface cannot transmit at all (down, gone): report bus-off as the spec says.
        controller.busOff();
        fifo.clear();
      }
      complain(e.getMessage());
      return VIRTIO_CAN_RESULT_NOT_OK;
    }
  }

  private void receive(VirtQueue vq) throws InvalidRingException, ChainTooShortException {
    if (!controller.started()) {
      return; // buffers stay with the device until there is something to put in them
    }
    boolean took = false;
    while (fifo.poll(rxFrame)) {
      took = true;
      int flags = VirtioCanFrames.rxFlags(rxFrame, acked);
      if (flags < 0) {
        complain("received frame the guest did not negotiate (" + flags + "), dropped");
        continue;
      }
      DescriptorChain chain = vq.pop();
      if (chain == null) {
        fifo.unpoll(rxFrame);
        break;
      }
      Writer w = chain.writer();
      if (w.remaining() < VirtioCan.RX_FRAME_SIZE) {
        complain("RX buffer smaller than 80 bytes, returned empty");
        vq.addUsed(chain, 0);
        fifo.unpoll(rxFrame);
        continue;
      }
      w.writeU16(VirtioCan.VIRTIO_CAN_RX);
      w.writeU16(rxFrame.len);
      w.writeU32(0);
      w.writeU32(flags);
      w.writeU32(VirtioCanFrames.rxId(rxFrame));
      w.writeFully(rxData);
      vq.addUsed(chain, VirtioCan.RX_FRAME_SIZE);
    }
    if (took && rxLoop != null) {
      rxLoop.resume();
    }
  }

  private void complain(String what) {
    if (problems++ % 1000 == 0) {
      LOG.warn("can {}: {} ({} problems so far)", ifname, what, problems);
    }
  }
}
