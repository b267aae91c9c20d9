// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.protocol.ConfigSpace;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.protocol.SingleMemoryRegion;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringFdRef;
import org.vhostdevice.vhostuser.protocol.VringState;
import org.vhostdevice.vhostuser.transport.Connection;
import org.vhostdevice.vhostuser.transport.SocketPair;

/**
 * A vhost-user frontend that speaks like QEMU 7.2 (core.md §4.3): one typed method per request,
 * the init/start/stop sequences in QEMU's order, and raw escape hatches for malformed traffic.
 * Used by the protocol and device tests, the benchmarks and {@code vhost-user-probe}.
 *
 * <p>Replies: requests QEMU waits for ({@link #SYNCHRONOUS}) carry NEED_REPLY and wait for the
 * ack once REPLY_ACK is agreed, or are followed by a GET_FEATURES round trip otherwise, as QEMU
 * does. {@link #setNeedReply} extends the ack to every request without a reply body, like the
 * Rust test frontend. A non-zero ack throws {@link BackendRefusedException}.
 *
 * <p>Not thread-safe: like QEMU's control path, one thread drives a frontend.
 */
public final class Frontend implements AutoCloseable {
  /** Protocol features this frontend agrees to: QEMU 7.2's mask, minus the backend channel. */
  public static final long SUPPORTED_PROTOCOL_FEATURES =
      ProtocolFeatures.MQ | ProtocolFeatures.REPLY_ACK | ProtocolFeatures.CONFIG
          | ProtocolFeatures.RESET_DEVICE | ProtocolFeatures.CONFIGURE_MEM_SLOTS;

  /** Requests QEMU sets NEED_REPLY on (core.md §1.5) and so waits for. */
  public static final Set<FrontendRequest> SYNCHRONOUS = Collections.unmodifiableSet(EnumSet.of(
      FrontendRequest.SET_MEM_TABLE, FrontendRequest.ADD_MEM_REG, FrontendRequest.REM_MEM_REG,
      FrontendRequest.SET_BACKEND_REQ_FD, FrontendRequest.SET_CONFIG,
      FrontendRequest.SET_VRING_ENABLE));

  /** Memory slots QEMU assumes without CONFIGURE_MEM_SLOTS (VHOST_MEMORY_BASELINE_NREGIONS). */
  public static final long BASELINE_MEM_SLOTS = 8;

  /** Offset of the {@code size} field in the config payload (core.md §1.8). */
  private static final int CONFIG_SIZE_FIELD = 4;

  /**
   * What {@link #qemuInit} learnt: the offered virtio features, the agreed protocol features, the
   * backend's queue count (1 without MQ) and memory slots (8 without CONFIGURE_MEM_SLOTS).
   */
  public record Negotiated(long features, long protocolFeatures, int queueNum, long memSlots) {}

  private final Connection connection;
  private long wantedProtocolFeatures = SUPPORTED_PROTOCOL_FEATURES;
  private boolean needReply;
  private long offeredFeatures;
  private long ackedFeatures;
  private long protocolFeatures;
  private List<MemoryRegionDescriptor> sentRegions = new ArrayList<>();
  private EventFd maskedCall;
  private Connection backendChannel;

  private Frontend(Connection connection) {
    this.connection = connection;
  }

  /** Connects to a backend listening on {@code socket} (retrying for about a second). */
  public static Frontend connect(Path socket) throws IOException {
    return new Frontend(Connection.connect(socket));
  }

  public static Frontend over(Connection connection) {
    return new Frontend(connection);
  }

  public Connection connection() {
    return connection;
  }

  /** Asks for an ack on every request without a reply body (effective once REPLY_ACK is agreed). */
  public void setNeedReply(boolean needReply) {
    this.needReply = needReply;
  }

  /** The protocol features {@link #qemuInit} accepts when offered (BACKEND_REQ adds a channel). */
  public void setWantedProtocolFeatures(long features) {
    this.wantedProtocolFeatures = features;
  }

  /** The last SET_PROTOCOL_FEATURES value. */
  public long protocolFeatures() {
    return protocolFeatures;
  }

  /** Our end of the backend channel, when {@link #qemuInit} agreed BACKEND_REQ; else null. */
  public Connection backendChannel() {
    return backendChannel;
  }

  /** As the Rust backend decides it: PROTOCOL_FEATURES offered and REPLY_ACK agreed. */
  public boolean replyAckActive() {
    return (offeredFeatures & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) != 0
        && (protocolFeatures & ProtocolFeatures.REPLY_ACK) != 0;
  }

  // ---- requests without a reply body ----

  /** Sends a request without a reply body; returns its ack, or 0 when none was asked for. */
  private long request(FrontendRequest r, byte[] payload, int... fds) throws IOException {
    boolean synchronous = SYNCHRONOUS.contains(r);
    if (replyAckActive() && (synchronous || needReply)) {
      connection.send(r.code(), Header.VERSION | Header.NEED_REPLY, payload, fds);
      try (Message m = connection.receiveReply(r.code())) {
        return Payloads.decodeU64(m);
      }
    }
    connection.send(r.code(), Header.VERSION, payload, fds);
    if (synchronous) {
      // QEMU's substitute for an ack: requests are handled in order, so this reply means done.
      getFeatures();
    }
    return 0;
  }

  private void command(FrontendRequest r, byte[] payload, int... fds) throws IOException {
    long ack = request(r, payload, fds);
    if (ack != 0) {
      throw new BackendRefusedException(r.name(), ack);
    }
  }

  public void setFeatures(long features) throws IOException {
    command(FrontendRequest.SET_FEATURES, Payloads.encodeU64(features));
    ackedFeatures = features;
  }

  public void setOwner() throws IOException {
    command(FrontendRequest.SET_OWNER, new byte[0]);
  }

  /**
   * RESET_OWNER. The frontend keeps its protocol state, as QEMU and the Rust frontend do: in the
   * Rust backend the negotiated protocol features (and so the acks) survive this request.
   */
  public void resetOwner() throws IOException {
    command(FrontendRequest.RESET_OWNER, new byte[0]);
  }

  /**
   * SET_PROTOCOL_FEATURES, never with NEED_REPLY (QEMU does not ask; backends disagree on whether
   * the old or the new value decides the ack). Acks follow the new value from the next request.
   */
  public void setProtocolFeatures(long features) throws IOException {
    connection.send(FrontendRequest.SET_PROTOCOL_FEATURES.code(), Header.VERSION,
        Payloads.encodeU64(features));
    protocolFeatures = features;
  }

  /** SET_MEM_TABLE with every region of {@code ram} and its memfd. */
  public void setMemTable(GuestRam ram) throws IOException {
    command(FrontendRequest.SET_MEM_TABLE, new MemoryTable(ram.descriptors()).encode(),
        ram.fds());
    sentRegions = new ArrayList<>(ram.descriptors());
  }

  public void addMemReg(MemoryRegionDescriptor region, int fd) throws IOException {
    command(FrontendRequest.ADD_MEM_REG, new SingleMemoryRegion(region).encode(), fd);
    sentRegions.add(region);
  }

  public void remMemReg(MemoryRegionDescriptor region) throws IOException {
    command(FrontendRequest.REM_MEM_REG, new SingleMemoryRegion(region).encode());
    sentRegions.remove(region);
  }

  public void setVringNum(int q, int num) throws IOException {
    command(FrontendRequest.SET_VRING_NUM, new VringState(q, num).encode());
  }

  public void setVringBase(int q, int base) throws IOException {
    command(FrontendRequest.SET_VRING_BASE, new VringState(q, base).encode());
  }

  /** Ring addresses are frontend virtual addresses (see {@link GuestRam#userAddr}). */
  public void setVringAddr(int q, long descVa, long usedVa, long availVa) throws IOException {
    command(FrontendRequest.SET_VRING_ADDR,
        new VringAddress(q, 0, descVa, usedVa, availVa, 0).encode());
  }

  /** A null {@code fd} sends the no-fd flag ("poll", which the backend may refuse). */
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

  /**
   * Writes config space (flags 0: a guest write). Returns false if the backend acked a failure;
   * without REPLY_ACK there is no way to know, and true is returned.
   */
  public boolean setConfig(int offset, byte[] data) throws IOException {
    return request(FrontendRequest.SET_CONFIG,
        new ConfigSpace(offset, data.length, 0, data).encode()) == 0;
  }

  public void resetDevice() throws IOException {
    command(FrontendRequest.RESET_DEVICE, new byte[0]);
  }

  /** Hands the backend its end of a backend channel (a connected Unix stream socket). */
  public void setBackendReqFd(int fd) throws IOException {
    command(FrontendRequest.SET_BACKEND_REQ_FD, new byte[0], fd);
  }

  // ---- requests with a reply body ----

  private Message query(FrontendRequest r, byte[] payload) throws IOException {
    connection.send(r.code(), Header.VERSION, payload);
    return connection.receiveReply(r.code());
  }

  private long queryU64(FrontendRequest r) throws IOException {
    try (Message m = query(r, new byte[0])) {
      return Payloads.decodeU64(m);
    }
  }

  /** The backend's virtio features; also decides (with bit 30) whether acks can be used. */
  public long getFeatures() throws IOException {
    offeredFeatures = queryU64(FrontendRequest.GET_FEATURES);
    return offeredFeatures;
  }

  public long getProtocolFeatures() throws IOException {
    return queryU64(FrontendRequest.GET_PROTOCOL_FEATURES);
  }

  public int getQueueNum() throws IOException {
    return (int) queryU64(FrontendRequest.GET_QUEUE_NUM);
  }

  public long getMaxMemSlots() throws IOException {
    return queryU64(FrontendRequest.GET_MAX_MEM_SLOTS);
  }

  /** Stops ring {@code q} and returns the next available index it would have processed. */
  public int getVringBase(int q) throws IOException {
    try (Message m = query(FrontendRequest.GET_VRING_BASE, new VringState(q, 0).encode())) {
      return VringState.decode(m).num();
    }
  }

  /**
   * Reads {@code size} bytes of config space at {@code offset}; an empty array when the backend
   * answers size 0 (its "failed"). Any other size than the one asked for is a protocol error, as
   * QEMU treats it.
   */
  public byte[] getConfig(int offset, int size) throws IOException {
    try (Message m = query(FrontendRequest.GET_CONFIG,
        new ConfigSpace(offset, size, 0, new byte[size]).encode())) {
      if (m.size() >= ConfigSpace.HEADER_SIZE && m.payload().getInt(CONFIG_SIZE_FIELD) == 0) {
        return new byte[0];
      }
      if (m.size() != ConfigSpace.HEADER_SIZE + size) {
        throw new ProtocolException("GET_CONFIG: asked for " + size + " bytes, the reply has "
            + (m.size() - ConfigSpace.HEADER_SIZE));
      }
      return ConfigSpace.decode(m).data();
    }
  }

  // ---- raw traffic ----

  /** Sends any message as is: no validation, no ack handling. */
  public void sendRaw(int code, int flags, byte[] payload, int... fds) throws IOException {
    connection.send(code, flags, payload, fds);
  }

  /** Writes arbitrary bytes on the socket (a truncated header, a lying size field...). */
  public void sendBytes(byte[] raw) throws IOException {
    connection.sendRaw(raw);
  }

  /** The next message from the backend, unchecked; null if it hung up between messages. */
  public Message receiveRaw() throws IOException {
    return connection.receive();
  }

  /** Reads the ack of request {@code code}; returns 0, or throws if it is not 0. */
  public long ackOrThrow(int code) throws IOException {
    long ack;
    try (Message m = connection.receiveReply(code)) {
      ack = Payloads.decodeU64(m);
    }
    if (ack != 0) {
      FrontendRequest r = FrontendRequest.of(code);
      throw new BackendRefusedException(r != null ? r.name() : "request " + code, ack);
    }
    return ack;
  }

  // ---- QEMU's sequences ----

  /** {@link #qemuInit(int, EventFd)} with a masked call eventfd owned by this frontend. */
  public Negotiated qemuInit(int expectedQueues) throws IOException {
    if (maskedCall == null) {
      maskedCall = EventFd.create();
    }
    return qemuInit(expectedQueues, maskedCall);
  }

  /**
   * QEMU 7.2's session set-up (vhost_user_backend_init, then vhost_dev_init): GET_FEATURES; with
   * bit 30 GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM (MQ), GET_MAX_MEM_SLOTS (CONFIGURE_MEM_SLOTS),
   * SET_BACKEND_REQ_FD (BACKEND_REQ); SET_OWNER; GET_FEATURES; then SET_VRING_CALL with the
   * "masked" eventfd for every queue, before any memory table exists.
   *
   * @throws IOException also when the backend has fewer queues than {@code expectedQueues}
   */
  public Negotiated qemuInit(int expectedQueues, EventFd masked) throws IOException {
    long features = getFeatures();
    long protocol = 0;
    int queueNum = 1;
    long slots = BASELINE_MEM_SLOTS;
    if ((features & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) != 0) {
      protocol = getProtocolFeatures() & wantedProtocolFeatures;
      setProtocolFeatures(protocol);
      if ((protocol & ProtocolFeatures.MQ) != 0) {
        queueNum = getQueueNum();
      }
      if (queueNum < expectedQueues) {
        throw new IOException("the backend supports " + queueNum + " queues, "
            + expectedQueues + " are needed");
      }
      if ((protocol & ProtocolFeatures.CONFIGURE_MEM_SLOTS) != 0) {
        slots = getMaxMemSlots();
      }
      if ((protocol & ProtocolFeatures.BACKEND_REQ) != 0) {
        openBackendChannel();
      }
    } else if (expectedQueues > 1) {
      throw new IOException("the backend supports 1 queue, " + expectedQueues + " are needed");
    }
    setOwner();
    getFeatures();
    for (int q = 0; q < expectedQueues; q++) {
      setVringCall(q, masked);
    }
    return new Negotiated(features, protocol, queueNum, slots);
  }

  private void openBackendChannel() throws IOException {
    OwnedFd[] ends = SocketPair.open();
    try (OwnedFd theirs = ends[1]) {
      backendChannel = Connection.adopt(ends[0]);
      // The kernel passes a duplicate, so our copy of their end can go right after.
      setBackendReqFd(theirs.fd());
    } catch (IOException | RuntimeException e) {
      if (backendChannel == null) {
        ends[0].close();
      }
      throw e;
    }
  }

  /**
   * Sends guest memory as QEMU's set_mem_table does: SET_MEM_TABLE, or with CONFIGURE_MEM_SLOTS
   * the difference to what was sent before, removals first, as REM_MEM_REG/ADD_MEM_REG.
   */
  public void qemuSetMemory(GuestRam ram) throws IOException {
    if ((protocolFeatures & ProtocolFeatures.CONFIGURE_MEM_SLOTS) == 0) {
      setMemTable(ram);
      return;
    }
    List<MemoryRegionDescriptor> wanted = ram.descriptors();
    for (MemoryRegionDescriptor old : List.copyOf(sentRegions)) {
      if (!wanted.contains(old)) {
        remMemReg(old);
      }
    }
    int[] fds = ram.fds();
    for (int i = 0; i < wanted.size(); i++) {
      if (!sentRegions.contains(wanted.get(i))) {
        addMemReg(wanted.get(i), fds[i]);
      }
    }
  }

  /**
   * QEMU's start (the guest set DRIVER_OK): SET_FEATURES (acked | bit 30 when offered), guest
   * memory, then per queue SET_VRING_NUM, _BASE, _ADDR, _KICK, _CALL, and finally
   * SET_VRING_ENABLE(1) for each queue when bit 30 was agreed.
   */
  public void qemuStart(GuestRam ram, long ackedFeatures, List<VirtqueueSetup> queues)
      throws IOException {
    setFeatures(ackedFeatures | (offeredFeatures & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES));
    qemuSetMemory(ram);
    for (VirtqueueSetup q : queues) {
      setVringNum(q.index(), q.size());
      setVringBase(q.index(), q.base());
      setVringAddr(q.index(), ram.userAddr(q.descGpa()), ram.userAddr(q.usedGpa()),
          ram.userAddr(q.availGpa()));
      setVringKick(q.index(), q.kick());
      setVringCall(q.index(), q.call());
    }
    if (vringEnableAgreed()) {
      for (VirtqueueSetup q : queues) {
        setVringEnable(q.index(), true);
      }
    }
  }

  /**
   * QEMU's stop: SET_VRING_ENABLE(0) for every queue (when bit 30 was agreed), then
   * GET_VRING_BASE for each; returns the bases, in the order of {@code queues}.
   */
  public int[] qemuStop(int... queues) throws IOException {
    if (vringEnableAgreed()) {
      for (int q : queues) {
        setVringEnable(q, false);
      }
    }
    int[] bases = new int[queues.length];
    for (int i = 0; i < queues.length; i++) {
      bases[i] = getVringBase(queues[i]);
    }
    return bases;
  }

  private boolean vringEnableAgreed() {
    return (ackedFeatures & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) != 0;
  }

  /** {@link #qemuStart} for {@code queues}, after telling their drivers about EVENT_IDX. */
  public void start(GuestRam ram, long ackedFeatures, FrontendQueue... queues)
      throws IOException {
    List<VirtqueueSetup> setups = new ArrayList<>();
    for (FrontendQueue q : queues) {
      q.driver().setEventIdx((ackedFeatures & VirtioFeatures.RING_EVENT_IDX) != 0);
      setups.add(q.setup());
    }
    qemuStart(ram, ackedFeatures, setups);
  }

  /** {@link #qemuStop} for {@code queues}; each remembers its base for the next start. */
  public int[] stop(FrontendQueue... queues) throws IOException {
    int[] indexes = new int[queues.length];
    for (int i = 0; i < queues.length; i++) {
      indexes[i] = queues[i].index();
    }
    int[] bases = qemuStop(indexes);
    for (int i = 0; i < queues.length; i++) {
      queues[i].setBase(bases[i]);
    }
    return bases;
  }

  /** Hangs up (the backend ends the session) and frees our eventfd and backend channel. */
  @Override
  public void close() {
    connection.close();
    if (backendChannel != null) {
      backendChannel.close();
    }
    if (maskedCall != null) {
      maskedCall.close();
    }
  }
}
