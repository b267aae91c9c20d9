// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemoryHandle;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.protocol.RequestValidator;
import org.vhostdevice.vhostuser.transport.Connection;
import org.vhostdevice.vhostuser.transport.PeerNotReadingException;
import org.vhostdevice.vhostuser.transport.PeerStalledException;

/**
 * The backend side of one frontend connection: reads requests in order on the calling (control)
 * thread, applies them to this session's device, vrings and memory map, and answers. Everything
 * belongs to the session and is freed when it ends, so the next frontend starts from scratch.
 *
 * <p>Error policy (the one QEMU is tested against): a malformed or unsupported request is a
 * protocol error: the frontend gets a failure ack if one was due, and the connection is closed. A
 * well-formed request the device declines gets a failure ack and the session goes on.
 */
public final class BackendSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackendSession.class);

  /** Protocol features the core implements for every device. */
  static final long CORE_PROTOCOL_FEATURES =
      ProtocolFeatures.MQ
          | ProtocolFeatures.REPLY_ACK
          | ProtocolFeatures.RESET_DEVICE
          | ProtocolFeatures.CONFIGURE_MEM_SLOTS;

  final VirtioDevice device;
  final Connection connection;
  final GuestMemoryHandle memory = new GuestMemoryHandle();
  final Vring[] vrings;
  private final List<VringWorker> workers = new ArrayList<>();
  final long offeredFeatures;
  final long offeredProtocolFeatures;
  private final VringRequests vringRequests;
  private final MemoryRequests memoryRequests;
  private final DeviceRequests deviceRequests;

  long ackedFeatures;
  long ackedProtocolFeatures;
  boolean owned;
  private boolean closed;

  /**
   * Builds the session's vrings and starts their worker threads.
   *
   * @throws IOException if a worker's epoll or eventfd cannot be created (fds exhausted)
   */
  public BackendSession(VirtioDevice device, Connection connection) throws IOException {
    this.device = device;
    this.connection = connection;
    this.offeredFeatures = device.features();
    long protocol = CORE_PROTOCOL_FEATURES | device.extraProtocolFeatures();
    if (device.configSize() > 0) {
      protocol |= ProtocolFeatures.CONFIG;
    }
    this.offeredProtocolFeatures = protocol;
    this.vrings = new Vring[device.numQueues()];
    try {
      Map<Integer, VringWorker> byGroup = new HashMap<>();
      for (int q = 0; q < vrings.length; q++) {
        int group = device.workerOf(q);
        VringWorker w = byGroup.get(group);
        if (w == null) {
          w = new VringWorker(
              "vhost-" + device.name() + "-worker" + group, device, memory, vrings.length);
          byGroup.put(group, w);
          workers.add(w);
        }
        vrings[q] = new Vring(q, device.maxQueueSize(q), w);
        w.attach(vrings[q]);
      }
    } catch (NativeException | RuntimeException e) {
      workers.forEach(VringWorker::close);
      for (Vring v : vrings) {
        if (v != null) {
          v.closeWake();
        }
      }
      throw e;
    }
    workers.forEach(VringWorker::start);
    this.vringRequests = new VringRequests(this);
    this.memoryRequests = new MemoryRequests(this);
    this.deviceRequests = new DeviceRequests(this);
  }

  /**
   * Serves requests until the frontend hangs up (returns normally) or breaks the protocol
   * (throws). Either way every resource of the session is released before this returns.
   */
  public void serve() throws IOException {
    try {
      while (true) {
        Message m;
        try {
          m = connection.receive();
        } catch (java.io.EOFException e) {
          // A frontend that dies mid-message is a disconnect, not a protocol error.
          LOG.info("{}: frontend disconnected mid-message ({})", device.name(), e.getMessage());
          return;
        } catch (PeerStalledException e) {
          LOG.warn("{}: frontend stalled mid-message, closing the connection: {}",
              device.name(), e.getMessage());
          return;
        }
        if (m == null) {
          LOG.info("{}: frontend disconnected", device.name());
          return;
        }
        try (m) {
          dispatch(m);
        } catch (PeerNotReadingException e) {
          LOG.warn("{}: frontend does not read its replies, closing the connection: {}",
              device.name(), e.getMessage());
          return;
        }
      }
    } finally {
      close();
    }
  }

  private void dispatch(Message m) throws IOException {
    // A failure is acked under the rules in force when the request came; a success under the
    // rules after it, so SET_PROTOCOL_FEATURES that turns REPLY_ACK on is itself acked (as in
    // rust-vmm).
    boolean failureAckDue = m.needsReply() && replyAckActive();
    String name = "request " + m.code();
    boolean explicitReply = false;
    try {
      FrontendRequest request = RequestValidator.validate(m);
      name = request.name();
      explicitReply = request.hasExplicitReply();
      LOG.debug("{}: {}", device.name(), name);
      handle(request, m);
      if (!explicitReply && m.needsReply() && replyAckActive()) {
        connection.sendAck(m.code(), 0);
      }
    } catch (RequestRefusedException e) {
      LOG.warn("{}: {} refused: {}", device.name(), name, e.getMessage());
      if (failureAckDue && !explicitReply) {
        connection.sendAck(m.code(), 1);
      }
    } catch (ProtocolException | NativeException | RuntimeException e) {
      LOG.error("{}: {} failed, closing the connection: {}", device.name(), name, e.getMessage());
      if (failureAckDue && !explicitReply) {
        connection.sendAck(m.code(), 1);
      }
      throw e instanceof ProtocolException p ? p : new ProtocolException(name + ": " + e, e);
    } catch (InternalError e) {
      // A request that reads the rings (SET_VRING_ADDR) after the frontend shrank a memory
      // file. Uncaught, the Error would end the daemon's serving thread for this socket.
      if (!MemoryFault.is(e)) {
        throw e;
      }
      LOG.error("{}: {} failed, closing the connection: {}", device.name(), name,
          MemoryFault.describe(e));
      if (failureAckDue && !explicitReply) {
        connection.sendAck(m.code(), 1);
      }
      throw new ProtocolException(name + ": " + MemoryFault.describe(e), e);
    }
  }

  private void handle(FrontendRequest request, Message m)
      throws IOException, RequestRefusedException {
    switch (request) {
      case GET_FEATURES -> connection.sendReply(m.code(), Payloads.encodeU64(offeredFeatures));
      case SET_FEATURES -> setFeatures(Payloads.decodeU64(m));
      case SET_OWNER -> {
        if (owned) {
          throw new ProtocolException("SET_OWNER: the session already has an owner");
        }
        owned = true;
      }
      case RESET_OWNER -> {
        // Deprecated. Forget the owner and the acked virtio features; the protocol-level
        // agreement (acks, gates) stays, as in rust-vmm's protocol layer, and so do the rings.
        owned = false;
        ackedFeatures = 0;
      }
      case GET_PROTOCOL_FEATURES ->
          connection.sendReply(m.code(), Payloads.encodeU64(offeredProtocolFeatures));
      case SET_PROTOCOL_FEATURES -> {
        long bits = Payloads.decodeU64(m);
        if ((bits & ~offeredProtocolFeatures) != 0) {
          throw new ProtocolException(String.format(
              "SET_PROTOCOL_FEATURES: 0x%x was never offered", bits & ~offeredProtocolFeatures));
        }
        ackedProtocolFeatures = bits;
      }
      case GET_QUEUE_NUM -> {
        requireProtocolFeature(request, ProtocolFeatures.MQ);
        connection.sendReply(m.code(), Payloads.encodeU64(vrings.length));
      }
      case SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_KICK,
          SET_VRING_CALL, SET_VRING_ERR, SET_VRING_ENABLE ->
          vringRequests.handle(request, m);
      case SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG, GET_MAX_MEM_SLOTS ->
          memoryRequests.handle(request, m);
      case GET_CONFIG, SET_CONFIG, SET_BACKEND_REQ_FD, RESET_DEVICE, GPU_SET_SOCKET ->
          deviceRequests.handle(request, m);
      default -> throw new ProtocolException(request.name() + " is not supported by this backend");
    }
  }

  private void setFeatures(long bits) throws ProtocolException, NativeException {
    if ((bits & ~offeredFeatures) != 0) {
      throw new ProtocolException(String.format(
          "SET_FEATURES: 0x%x was never offered", bits & ~offeredFeatures));
    }
    ackedFeatures = bits;
    boolean eventIdx = (bits & VirtioFeatures.RING_EVENT_IDX) != 0;
    // Without PROTOCOL_FEATURES there is no SET_VRING_ENABLE: rings are enabled from the start.
    boolean enableAll = (bits & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) == 0;
    for (Vring v : vrings) {
      v.lock.lock();
      try {
        v.queue.setEventIdx(eventIdx);
        if (enableAll) {
          v.enabled = true;
          updateActivity(v);
        }
      } finally {
        v.lock.unlock();
      }
    }
    device.ackFeatures(bits);
  }

  /** REPLY_ACK is in force once offered with PROTOCOL_FEATURES and acked by the frontend. */
  boolean replyAckActive() {
    return (offeredFeatures & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) != 0
        && (ackedProtocolFeatures & ProtocolFeatures.REPLY_ACK) != 0;
  }

  void requireProtocolFeature(FrontendRequest request, long bit) throws ProtocolException {
    if ((ackedProtocolFeatures & bit) == 0) {
      throw new ProtocolException(
          request.name() + " needs protocol feature " + ProtocolFeatures.describe(bit)
              + ", which was not negotiated");
    }
  }

  Vring vring(FrontendRequest request, int index) throws ProtocolException {
    if (index < 0 || index >= vrings.length) {
      throw new ProtocolException(
          request.name() + ": no vring " + Integer.toUnsignedString(index) + " (device has "
              + vrings.length + ")");
    }
    return vrings[index];
  }

  /**
   * Brings the worker registration and the device's started/stopped view in line with the ring's
   * flags. A ring that becomes active gets one self-kick, so buffers the driver made available
   * while the ring was stopped are looked at even if their kick went to an earlier eventfd.
   * Caller holds the ring's lock.
   */
  void updateActivity(Vring v) throws NativeException {
    v.updateRegistration();
    boolean run = v.shouldRun();
    if (run == v.active) {
      return;
    }
    v.active = run;
    if (run) {
      device.queueStarted(v.index, v.view);
      v.kick.signal();
    } else {
      device.queueStopped(v.index);
    }
  }

  /** Stops the workers, then frees every vring fd, the memory map and the connection. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    workers.forEach(VringWorker::close);
    for (Vring v : vrings) {
      v.lock.lock();
      try {
        if (v.active) {
          v.active = false;
          device.queueStopped(v.index);
        }
        v.started = false;
        v.closeFds();
        v.closeTimer();
        v.closeWake();
      } catch (RuntimeException e) {
        LOG.warn("{}: queue {} did not stop cleanly: {}", device.name(), v.index, e.toString());
      } finally {
        v.lock.unlock();
      }
    }
    deviceRequests.close();
    memory.close();
    connection.close();
  }
}
