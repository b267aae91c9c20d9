// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.io.IOException;
import java.nio.file.Path;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.protocol.ConfigSpace;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.protocol.SingleMemoryRegion;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringFdRef;
import org.vhostdevice.vhostuser.protocol.VringState;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * A vhost-user frontend in Java, speaking like QEMU 7.2: the same requests in the same order
 * ({@link #qemuInit}, {@link #start}, {@link #stop}), acks awaited once REPLY_ACK is negotiated.
 * It drives the project's protocol tests, device tests, benchmarks and {@code vhost-user-probe};
 * {@link #connection()} is there for tests that send malformed traffic on purpose.
 */
public final class Frontend implements AutoCloseable {
  /** Protocol features this frontend knows how to use, like QEMU's mask for non-net devices. */
  public static final long SUPPORTED_PROTOCOL_FEATURES =
      ProtocolFeatures.MQ | ProtocolFeatures.REPLY_ACK | ProtocolFeatures.CONFIG
          | ProtocolFeatures.RESET_DEVICE | ProtocolFeatures.CONFIGURE_MEM_SLOTS;

  /** What {@link #qemuInit} learnt: offered features, agreed protocol features, queue count. */
  public record Negotiated(long features, long protocolFeatures, int queues, long memSlots) {}

  private final Connection connection;
  private long protocolFeatures;

  private Frontend(Connection connection) {
    this.connection = connection;
  }

  public static Frontend connect(Path socket) throws IOException {
    return new Frontend(Connection.connect(socket));
  }

  public static Frontend over(Connection connection) {
    return new Frontend(connection);
  }

  public Connection connection() {
    return connection;
  }

  private boolean replyAck() {
    return (protocolFeatures & ProtocolFeatures.REPLY_ACK) != 0;
  }

  /** A request without an explicit reply: acked (and checked) when REPLY_ACK is negotiated. */
  private void command(FrontendRequest r, byte[] payload, int... fds) throws IOException {
    if (!replyAck()) {
      connection.send(r.code(), Header.VERSION, payload, fds);
      return;
    }
    connection.send(r.code(), Header.VERSION | Header.NEED_REPLY, payload, fds);
    long ack;
    try (Message m = connection.receiveReply(r.code())) {
      ack = Payloads.decodeU64(m);
    }
    if (ack != 0) {
      throw new BackendRefusedException(r.name(), ack);
    }
  }

  private Message query(FrontendRequest r, byte[] payload) throws IOException {
    connection.send(r.code(), Header.VERSION, payload);
    return connection.receiveReply(r.code());
  }

  private long queryU64(FrontendRequest r) throws IOException {
    try (Message m = query(r, new byte[0])) {
      return Payloads.decodeU64(m);
    }
  }

  public long getFeatures() throws IOException {
    return queryU64(FrontendRequest.GET_FEATURES);
  }

  public void setFeatures(long features) throws IOException {
    command(FrontendRequest.SET_FEATURES, Payloads.encodeU64(features));
  }

  public long getProtocolFeatures() throws IOException {
    return queryU64(FrontendRequest.GET_PROTOCOL_FEATURES);
  }

  /** Sends SET_PROTOCOL_FEATURES; from then on acks follow what was agreed. */
  public void setProtocolFeatures(long features) throws IOException {
    connection.send(FrontendRequest.SET_PROTOCOL_FEATURES.code(), Header.VERSION,
        Payloads.encodeU64(features));
    protocolFeatures = features;
  }

  public void setOwner() throws IOException {
    command(FrontendRequest.SET_OWNER, new byte[0]);
  }

  public int getQueueNum() throws IOException {
    return (int) queryU64(FrontendRequest.GET_QUEUE_NUM);
  }

  public long getMaxMemSlots() throws IOException {
    return queryU64(FrontendRequest.GET_MAX_MEM_SLOTS);
  }

  public void setMemTable(GuestRam ram) throws IOException {
    command(FrontendRequest.SET_MEM_TABLE, new MemoryTable(ram.descriptors()).encode(), ram.fds());
  }

  /** Adds every region of {@code ram} one by one, as QEMU does with CONFIGURE_MEM_SLOTS. */
  public void addMemRegions(GuestRam ram) throws IOException {
    int[] fds = ram.fds();
    for (int i = 0; i < fds.length; i++) {
      command(FrontendRequest.ADD_MEM_REG,
          new SingleMemoryRegion(ram.descriptors().get(i)).encode(), fds[i]);
    }
  }

  public void setVringNum(int q, int num) throws IOException {
    command(FrontendRequest.SET_VRING_NUM, new VringState(q, num).encode());
  }

  public void setVringBase(int q, int base) throws IOException {
    command(FrontendRequest.SET_VRING_BASE, new VringState(q, base).encode());
  }

  /** Ring addresses are frontend virtual addresses (see {@link GuestRam#userAddr}). */
  public void setVringAddr(int q, long desc, long used, long avail) throws IOException {
    command(FrontendRequest.SET_VRING_ADDR, new VringAddress(q, 0, desc, used, avail, 0).encode());
  }

  /** Stops ring {@code q} and returns where it stopped. */
  public int getVringBase(int q) throws IOException {
    try (Message m = query(FrontendRequest.GET_VRING_BASE, new VringState(q, 0).encode())) {
      return VringState.decode(m).num();
    }
  }

  public void setVringKick(int q, EventFd fd) throws IOException {
    vringFd(FrontendRequest.SET_VRING_KICK, q, fd);
  }

  /** A null {@code fd} sends the no-fd flag: QEMU's way of saying "no interrupt". */
  public void setVringCall(int q, EventFd fd) throws IOException {
    vringFd(FrontendRequest.SET_VRING_CALL, q, fd);
  }

  public void setVringErr(int q, EventFd fd) throws IOException {
    vringFd(FrontendRequest.SET_VRING_ERR, q, fd);
  }

  private void vringFd(FrontendRequest r, int q, EventFd fd) throws IOException {
    byte[] payload = new VringFdRef(q, fd == null).encode();
    if (fd == null) {
      command(r, payload);
    } else {
      command(r, payload, fd.fd());
    }
  }

  public void setVringEnable(int q, boolean enable) throws IOException {
    command(FrontendRequest.SET_VRING_ENABLE, new VringState(q, enable ? 1 : 0).encode());
  }

  /** Reads config space; an empty array when the backend answers "failed" (size 0). */
  public byte[] getConfig(int offset, int size) throws IOException {
    try (Message m = query(FrontendRequest.GET_CONFIG,
        new ConfigSpace(offset, size, 0, new byte[size]).encode())) {
      if (m.size() == ConfigSpace.HEADER_SIZE) {
        return new byte[0];
      }
      return ConfigSpace.decode(m).data();
    }
  }

  public void setConfig(int offset, byte[] data) throws IOException {
    command(FrontendRequest.SET_CONFIG, new ConfigSpace(offset, data.length, 0, data).encode());
  }

  public void resetDevice() throws IOException {
    command(FrontendRequest.RESET_DEVICE, new byte[0]);
  }

  /**
   * QEMU 7.2's session initialisation (vhost_user_backend_init + vhost_dev_init): features,
   * protocol features, queue count, memory slots, owner, features again, and a "masked" call
   * eventfd per queue before any memory table exists.
   */
  public Negotiated qemuInit(int queues, EventFd maskedCall) throws IOException {
    long features = getFeatures();
    long protocol = 0;
    int queueNum = 1;
    long slots = 8;
    if ((features & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) != 0) {
      protocol = getProtocolFeatures() & SUPPORTED_PROTOCOL_FEATURES;
      setProtocolFeatures(protocol);
      if ((protocol & ProtocolFeatures.MQ) != 0) {
        queueNum = getQueueNum();
        if (queueNum < queues) {
          throw new IOException("backend has " + queueNum + " queues, " + queues + " needed");
        }
      }
      if ((protocol & ProtocolFeatures.CONFIGURE_MEM_SLOTS) != 0) {
        slots = getMaxMemSlots();
      }
    }
    setOwner();
    getFeatures();
    for (int q = 0; q < queues; q++) {
      setVringCall(q, maskedCall);
    }
    return new Negotiated(features, protocol, queueNum, slots);
  }

  /**
   * QEMU's start (the guest set DRIVER_OK): acked features, guest memory, then per queue NUM,
   * BASE, ADDR, KICK, CALL, and finally ENABLE for each queue.
   */
  public void start(GuestRam ram, long ackedFeatures, FrontendQueue... queues) throws IOException {
    setFeatures(ackedFeatures | VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES);
    if ((protocolFeatures & ProtocolFeatures.CONFIGURE_MEM_SLOTS) != 0) {
      addMemRegions(ram);
    } else {
      setMemTable(ram);
    }
    for (FrontendQueue q : queues) {
      var d = q.driver();
      setVringNum(q.index(), d.size());
      setVringBase(q.index(), d.availIdx());
      setVringAddr(q.index(), ram.userAddr(d.descTable()), ram.userAddr(d.usedRing()),
          ram.userAddr(d.availRing()));
      setVringKick(q.index(), q.kickFd());
      setVringCall(q.index(), q.callFd());
      d.setEventIdx((ackedFeatures & VirtioFeatures.RING_EVENT_IDX) != 0);
    }
    for (FrontendQueue q : queues) {
      setVringEnable(q.index(), true);
    }
  }

  /** QEMU's stop: disable every queue, then GET_VRING_BASE each; returns the bases. */
  public int[] stop(FrontendQueue... queues) throws IOException {
    for (FrontendQueue q : queues) {
      setVringEnable(q.index(), false);
    }
    int[] bases = new int[queues.length];
    for (int i = 0; i < queues.length; i++) {
      bases[i] = getVringBase(queues[i].index());
    }
    return bases;
  }

  @Override
  public void close() {
    connection.close();
  }
}
