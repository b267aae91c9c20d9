// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static org.vhostdevice.device.vsock.Connection.ESTABLISHED;
import static org.vhostdevice.device.vsock.PacketHeader.HOST_CID;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.device.vsock.sys.HostSockets;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * The packet engine of one VM's session, run on the device's worker thread only: guest packets
 * from the TX ring go to host sockets (or sibling VMs), host socket data and connection events go
 * to the guest through RX buffers. Bytes move directly between guest memory and the sockets;
 * nothing is dropped: a host socket that is full keeps its bytes in the connection's TX buffer
 * (which credit keeps from overflowing), and a packet that cannot be placed stays in the TX ring.
 */
final class VsockEngine {
  private static final Logger LOG = LoggerFactory.getLogger(VsockEngine.class);
  /** "CONNECT 4294967295\n" fits; anything longer without a newline is not a connect line. */
  static final int MAX_CONNECT_LINE = 64;
  private static final int STRAY_CAPACITY = 256;
  /** How long a connect waits for room in a host listener's backlog (Linux's guest waits 2 s). */
  static final long CONNECT_RETRY_NANOS = 1_000_000_000L;
  static final long CONNECT_RETRY_INTERVAL_NANOS = 5_000_000L;

  /** What {@link #handleTxPacket} did with a packet. */
  private static final int TX_DONE = 0;
  private static final int TX_BLOCKED = 1;

  private final VmBackend vm;
  private final VsockDevice device;
  private final VmConfig config;
  private final long guestCid;
  private final int bufAlloc;
  private final HostEventLoop loop;
  /** One object, so that a sibling's inbox remembers us once however often we are blocked. */
  private final Runnable wakeOurTx;

  private final LongMap<Connection> byKey = new LongMap<>();
  private final LongMap<Connection> byToken = new LongMap<>();
  private final ArrayDeque<Connection> rxQueue = new ArrayDeque<>();
  private final ArrayDeque<Connection> retrying = new ArrayDeque<>();
  private final Map<Integer, Integer> localPortUse = new HashMap<>();
  private int nextLocalPort;
  private long nextToken = VmBackend.FIRST_CONNECTION_TOKEN;

  /** RSTs for packets that match no connection: (src cid, src port, dst port) each. */
  private final long[] strays = new long[STRAY_CAPACITY * 3];
  private int strayHead;
  private int strayCount;

  /**
   * All of the address space, for copies to and from guest memory by host address (the core
   * has checked the chain; see {@link #hostAddress}).
   */
  private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

  private final PacketHeader txHdr = new PacketHeader();
  private final long[] contiguous = new long[1];
  /** The guest memory of the batch being handled (set by processTx and fillRx). */
  private org.vhostdevice.memory.GuestMemory mem;
  private final PacketHeader rxHdr = new PacketHeader();
  private final DescriptorChain chain = new DescriptorChain();
  private final MemorySegment lineBuf = java.lang.foreign.Arena.ofAuto().allocate(MAX_CONNECT_LINE);
  private final int[] acceptedPort = new int[1];
  private long[] events = new long[128];
  private final int[] eventCount = new int[1];
  private boolean siblingFirst;
  private boolean txBlocked;
  private long dropped;

  VsockEngine(VmBackend vm, VsockDevice device) {
    this.vm = vm;
    this.device = device;
    this.config = vm.config();
    this.guestCid = config.guestCid();
    this.bufAlloc = config.txBufferSize();
    this.loop = vm.loop();
    this.wakeOurTx = vm::wakeTx;
  }

  int connectionCount() {
    return byToken.size();
  }

  Connection connection(int localPort, int peerPort) {
    return byKey.get(Connection.key(localPort, peerPort));
  }

  boolean hasRxWork() {
    return !rxQueue.isEmpty() || strayCount > 0 || !vm.inbox().isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Host events

  /** Handles the readiness the event loop reported since the last call. */
  void processHostEvents() {
    events = loop.drain(events, eventCount);
    int n = eventCount[0];
    for (int i = 0; i < n; i++) {
      long token = events[2 * i];
      int ev = (int) events[2 * i + 1];
      if (token < VmBackend.FIRST_CONNECTION_TOKEN) {
        acceptAll((int) token - 1);
        continue;
      }
      Connection c = byToken.get(token);
      if (c != null) {
        c.armed = 0;
        onSocketEvent(c, ev);
      }
    }
  }

  private void acceptAll(int listener) {
    if (listener < 0 || listener >= vm.listenerCount()) {
      return;
    }
    int lfd = vm.listenerFd(listener);
    while (true) {
      OwnedFd fd;
      try {
        fd = HostSockets.accept(lfd, acceptedPort);
      } catch (NativeException e) {
        LOG.warn("vsock cid {}: accept failed: {}", guestCid, e.getMessage());
        break;
      }
      if (fd == null) {
        break;
      }
      if (config.forwarding()) {
        acceptForwarded(fd, acceptedPort[0], vm.listenPort(listener));
      } else {
        Connection c = register(fd, Connection.AWAIT_LINE);
        if (c != null) {
          c.line = new byte[MAX_CONNECT_LINE];
          rearm(c);
        }
      }
    }
    try {
      loop.rearm(lfd, HostEventLoop.EPOLLIN, listener + 1);
    } catch (NativeException e) {
      LOG.error("vsock cid {}: cannot re-arm listener: {}", guestCid, e.getMessage());
    }
  }

  /** An AF_VSOCK host peer connected to a forwarded port: ask the guest to accept it. */
  private void acceptForwarded(OwnedFd fd, int hostPeerPort, int guestPort) {
    long key = Connection.key(hostPeerPort, guestPort);
    if (byKey.get(key) != null || key == Long.MIN_VALUE) {
      fd.close();
      return;
    }
    Connection c = register(fd, Connection.GUEST_CONNECTING);
    if (c == null) {
      return;
    }
    bind(c, hostPeerPort, guestPort);
    queue(c, Connection.RX_REQUEST);
  }

  private Connection register(OwnedFd fd, int state) {
    Connection c = new Connection(nextToken++, fd, bufAlloc, state);
    try {
      loop.add(fd.fd(), 0, c.token);
    } catch (NativeException e) {
      LOG.warn("vsock cid {}: cannot watch a host socket: {}", guestCid, e.getMessage());
      fd.close();
      return null;
    }
    byToken.put(c.token, c);
    return c;
  }

  private void bind(Connection c, int localPort, int peerPort) {
    c.localPort = localPort;
    c.peerPort = peerPort;
    byKey.put(c.key(), c);
    localPortUse.merge(localPort, 1, Integer::sum);
  }

  private void onSocketEvent(Connection c, int ev) {
    switch (c.state) {
      case Connection.AWAIT_LINE -> readConnectLine(c);
      case Connection.HOST_CONNECTING -> finishConnect(c);
      case ESTABLISHED -> {
        if ((ev & HostEventLoop.EPOLLOUT) != 0 && c.txBuffered()) {
          flush(c);
        }
        if (c.state == ESTABLISHED
            && (ev & (HostEventLoop.EPOLLIN | HostEventLoop.EPOLLHUP | HostEventLoop.EPOLLERR)) != 0
            && c.wantsHostData()) {
          c.hostReadable = true;
          queueRwIfPossible(c);
        }
        if (c.state == ESTABLISHED && (ev & HostEventLoop.EPOLLHUP) != 0 && c.txBuffered()) {
          flush(c);
        }
      }
      default -> {
        // GUEST_CONNECTING, HOST_CONNECTED: waiting for the guest; CLOSING: nothing to do.
      }
    }
    if (c.fd != null) {
      rearm(c);
    }
  }

  /**
   * Reads "CONNECT port\n" without consuming anything after the newline, so bytes the host sent
   * in the same segment reach the guest once connected. The socket is peeked, and only the bytes
   * up to the newline (or all of them, when no newline came yet) are taken, so a line that
   * arrives in pieces neither spins the loop nor loses what follows it.
   */
  private void readConnectLine(Connection c) {
    long n;
    try {
      n = HostSockets.peek(c.fd.fd(), lineBuf, MAX_CONNECT_LINE - c.lineLen);
    } catch (NativeException e) {
      closeUnbound(c, "reading its CONNECT line failed: " + e.getMessage());
      return;
    }
    if (n < 0) {
      return;
    }
    if (n == 0) {
      closeUnbound(c, "closed before sending CONNECT");
      return;
    }
    int nl = -1;
    for (int i = 0; i < n; i++) {
      if (lineBuf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) == '\n') {
        nl = i;
        break;
      }
    }
    int take = nl >= 0 ? nl + 1 : (int) n;
    try {
      HostSockets.recv(c.fd.fd(), lineBuf, take);
    } catch (NativeException e) {
      closeUnbound(c, e.getMessage());
      return;
    }
    MemorySegment.copy(lineBuf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, c.line, c.lineLen,
        take);
    c.lineLen += take;
    if (nl < 0) {
      if (c.lineLen >= MAX_CONNECT_LINE) {
        closeUnbound(c, "sent " + c.lineLen + " bytes without a newline");
      }
      return;
    }
    Integer port = parseConnectLine(
        new String(c.line, 0, c.lineLen - 1, StandardCharsets.US_ASCII));
    if (port == null) {
      closeUnbound(c, "sent a malformed CONNECT line");
      return;
    }
    int local = allocateLocalPort(port);
    if (local == -1) {
      closeUnbound(c, "no free host port");
      return;
    }
    c.state = Connection.GUEST_CONNECTING;
    bind(c, local, port);
    queue(c, Connection.RX_REQUEST);
  }

  /** "CONNECT &lt;port&gt;": keyword case-insensitive, whitespace-separated, u32 port. */
  static Integer parseConnectLine(String line) {
    String[] parts = line.trim().split("\\s+");
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("CONNECT")) {
      return null;
    }
    try {
      long p = Long.parseLong(parts[1]);
      if (p < 0 || p > 0xFFFF_FFFFL) {
        return null;
      }
      return (int) p;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A host-side port no connection of this VM uses, or -1 (every candidate taken). */
  int allocateLocalPort(int guestPort) {
    for (long tries = 0; tries <= 0xFFFF_FFFFL; tries++) {
      int p = nextLocalPort++;
      if (!localPortUse.containsKey(p) && Connection.key(p, guestPort) != Long.MIN_VALUE) {
        return p;
      }
      if (tries > localPortUse.size() + 1) {
        break;
      }
    }
    return -1;
  }

  private void finishConnect(Connection c) {
    int err;
    try {
      err = HostSockets.pendingError(c.fd.fd());
    } catch (NativeException e) {
      err = e.errno();
    }
    if (err != 0) {
      LOG.debug("vsock cid {}: {}: host connect failed: errno {}", guestCid, c, err);
      reset(c);
      return;
    }
    c.state = Connection.HOST_CONNECTED;
    queue(c, Connection.RX_RESPONSE);
  }

  /** Arms the socket for what the connection waits for next (one-shot). */
  private void rearm(Connection c) {
    int want = 0;
    switch (c.state) {
      case Connection.AWAIT_LINE -> want = HostEventLoop.EPOLLIN;
      case Connection.HOST_CONNECTING -> want = HostEventLoop.EPOLLOUT;
      case ESTABLISHED -> {
        if (!c.hostReadable && c.wantsHostData()) {
          want |= HostEventLoop.EPOLLIN;
        }
        if (c.txBuffered()) {
          want |= HostEventLoop.EPOLLOUT;
        }
      }
      default -> want = 0;
    }
    // Interest 0 would still report HUP/ERR over and over: leave a fired socket disarmed instead.
    if (want == 0 || want == c.armed || c.fd == null) {
      return;
    }
    try {
      loop.rearm(c.fd.fd(), want, c.token);
      c.armed = want;
    } catch (NativeException e) {
      LOG.warn("vsock cid {}: {}: cannot watch the host socket: {}", guestCid, c, e.getMessage());
      reset(c);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Guest -> host (TX)

  void processTx(VirtQueue vq) throws Exception {
    mem = vq.memory();
    txBlocked = false;
    while (vq.pop(chain)) {
      int r;
      try {
        r = handleTxPacket(chain);
      } catch (ChainTooShortException e) {
        r = TX_DONE;
        dropped("TX chain too short: " + e.getMessage());
      }
      if (r == TX_BLOCKED) {
        vq.undoPop();
        txBlocked = true;
        return;
      }
      vq.addUsed(chain, 0);
    }
  }

  boolean txBlocked() {
    return txBlocked;
  }

  private void dropped(String why) {
    if (dropped++ % 1000 == 0) {
      LOG.warn("vsock cid {}: guest packet dropped ({} so far): {}", guestCid, dropped, why);
    }
  }

  private int handleTxPacket(DescriptorChain c) throws ChainTooShortException {
    if (c.readableBytes() < PacketHeader.SIZE) {
      dropped("TX chain has " + c.readableBytes() + " readable bytes, less than a header");
      return TX_DONE;
    }
    Reader r = c.reader();
    r.readFully(txHdr.bytes);
    long len = txHdr.len();
    if (len > r.remaining()) {
      dropped("header says " + len + " payload bytes, the chain holds " + r.remaining());
      return TX_DONE;
    }
    if (txHdr.srcCid() != guestCid) {
      dropped("source CID " + txHdr.srcCid() + " is not the guest's " + guestCid);
      return TX_DONE;
    }
    if (!config.forwarding() && txHdr.dstCid() != HOST_CID) {
      if (txHdr.dstCid() == guestCid) {
        // Linux keeps traffic to its own CID in the guest (vsock_loopback); a packet like this
        // is nonsense, and an RST "from" the guest to itself would only confuse it.
        dropped("destination is the guest's own CID " + guestCid);
        return TX_DONE;
      }
      return toSibling(r, (int) len);
    }
    if (txHdr.type() != PacketHeader.TYPE_STREAM) {
      dropped("socket type " + txHdr.type() + " is not STREAM");
      return TX_DONE;
    }
    int op = txHdr.op();
    long key = Connection.key(txHdr.dstPort(), txHdr.srcPort());
    Connection conn = key == Long.MIN_VALUE ? null : byKey.get(key);
    if (conn == null) {
      if (op == PacketHeader.OP_REQUEST && key != Long.MIN_VALUE) {
        connectToHost();
      } else if (op != PacketHeader.OP_RST) {
        // The Rust daemon ignores these; the guest then waits for a timeout.
        strayRst(txHdr.dstCid(), txHdr.dstPort(), txHdr.srcPort());
      }
      return TX_DONE;
    }
    if (op == PacketHeader.OP_RST) {
      remove(conn, "the guest reset it");
      return TX_DONE;
    }
    if (op == PacketHeader.OP_RW && conn.state == ESTABLISHED) {
      // Check room before touching credit so that a packet we must retry changes nothing.
      if (len > bufAlloc) {
        LOG.warn("vsock cid {}: {}: {}-byte packet exceeds the {}-byte buffer; resetting",
            guestCid, conn, len, bufAlloc);
        reset(conn);
        return TX_DONE;
      }
      if (conn.txBuffered() && conn.txBuf.free() < len) {
        return TX_BLOCKED;
      }
    }
    conn.updatePeerCredit(txHdr.bufAlloc(), txHdr.fwdCnt());
    switch (op) {
      case PacketHeader.OP_RESPONSE -> onGuestResponse(conn);
      case PacketHeader.OP_RW -> {
        if (conn.state != ESTABLISHED || (conn.guestShutdown & PacketHeader.SHUTDOWN_SEND) != 0) {
          reset(conn);
        } else {
          writeToHost(conn, r, (int) len);
        }
      }
      case PacketHeader.OP_CREDIT_REQUEST -> queue(conn, Connection.RX_CREDIT_UPDATE);
      case PacketHeader.OP_SHUTDOWN -> onGuestShutdown(conn, txHdr.flags());
      default -> {
        // CREDIT_UPDATE: the credit was taken above. REQUEST on a live connection: ignored.
      }
    }
    if (conn.fd != null && conn.hostReadable) {
      queueRwIfPossible(conn);
    }
    if (conn.fd != null) {
      rearm(conn);
    }
    return TX_DONE;
  }

  /** Guest REQUEST to a host port with no connection yet: connect the host side. */
  private void connectToHost() {
    int hostPort = txHdr.dstPort();
    int guestPort = txHdr.srcPort();
    HostSockets.Connecting attempt;
    try {
      if (config.forwarding()) {
        attempt = HostSockets.connectVsock((int) config.forwardCid(), hostPort);
      } else {
        Path target = Path.of(config.udsPath() + "_" + Integer.toUnsignedString(hostPort));
        attempt = HostSockets.connectUnix(target);
      }
    } catch (NativeException e) {
      LOG.debug("vsock cid {}: guest port {} -> host port {}: {}", guestCid,
          Integer.toUnsignedString(guestPort), Integer.toUnsignedString(hostPort), e.getMessage());
      // The Rust daemon sends nothing here and the guest's connect() hangs until its timeout.
      strayRst(txHdr.dstCid(), hostPort, guestPort);
      return;
    }
    int state = attempt.backlogFull() ? Connection.HOST_RETRY
        : attempt.inProgress() ? Connection.HOST_CONNECTING : Connection.HOST_CONNECTED;
    Connection c = register(attempt.fd(), state);
    if (c == null) {
      strayRst(txHdr.dstCid(), hostPort, guestPort);
      return;
    }
    bind(c, hostPort, guestPort);
    c.updatePeerCredit(txHdr.bufAlloc(), txHdr.fwdCnt());
    if (attempt.backlogFull()) {
      // The host program is slow to accept: wait for room as a blocking connect would, but
      // without blocking the worker, and not longer than the guest waits for an answer.
      c.retryPath = Path.of(config.udsPath() + "_" + Integer.toUnsignedString(hostPort));
      c.retryUntil = System.nanoTime() + CONNECT_RETRY_NANOS;
      retrying.addLast(c);
    } else if (attempt.inProgress()) {
      rearm(c);
    } else {
      queue(c, Connection.RX_RESPONSE);
    }
  }

  boolean hasConnectRetries() {
    return !retrying.isEmpty();
  }

  /** Retries connects that found the host listener's backlog full (see connectToHost). */
  void retryConnects() {
    long now = System.nanoTime();
    for (int n = retrying.size(); n > 0; n--) {
      Connection c = retrying.pollFirst();
      if (c.state != Connection.HOST_RETRY || c.fd == null) {
        continue;
      }
      boolean connected;
      try {
        connected = HostSockets.retryConnectUnix(c.fd, c.retryPath);
      } catch (NativeException e) {
        LOG.debug("vsock cid {}: {}: {}", guestCid, c, e.getMessage());
        reset(c);
        continue;
      }
      if (connected) {
        c.state = Connection.HOST_CONNECTED;
        c.retryPath = null;
        queue(c, Connection.RX_RESPONSE);
      } else if (now - c.retryUntil > 0) {
        LOG.debug("vsock cid {}: {}: the host listener accepted nothing for a second", guestCid, c);
        reset(c);
      } else {
        retrying.addLast(c);
      }
    }
  }

  /** The guest accepted a host-initiated connection: tell the host program "OK port". */
  private void onGuestResponse(Connection c) {
    if (c.state != Connection.GUEST_CONNECTING) {
      return;
    }
    c.state = ESTABLISHED;
    if (!config.forwarding()) {
      byte[] ok = ("OK " + Integer.toUnsignedString(c.peerPort) + "\n")
          .getBytes(StandardCharsets.US_ASCII);
      MemorySegment.copy(ok, 0, lineBuf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, ok.length);
      try {
        long n = HostSockets.send(c.fd.fd(), lineBuf, ok.length);
        if (n != ok.length) {
          // A fresh socket always has room for a dozen bytes; anything else is a broken peer.
          throw new NativeException("send(OK line: " + Math.max(n, 0) + " of " + ok.length
              + " bytes)", org.vhostdevice.sys.Errno.EAGAIN);
        }
      } catch (NativeException e) {
        LOG.warn("vsock cid {}: {}: cannot send the OK line: {}", guestCid, c, e.getMessage());
        reset(c);
        return;
      }
    }
    rearm(c);
  }

  private void writeToHost(Connection c, Reader r, int len) {
    int left = len;
    try {
      if (!c.txBuffered()) {
        while (left > 0) {
          long addr = addressAt(chain, false, PacketHeader.SIZE + (long) (len - left), contiguous);
          long step;
          long n;
          if (addr != 0) {
            step = Math.min(left, contiguous[0]);
            n = HostSockets.sendAt(c.fd.fd(), addr, step);
          } else {
            MemorySegment piece = r.currentPiece();
            step = Math.min(left, piece.byteSize());
            n = HostSockets.send(c.fd.fd(), piece, step);
          }
          if (n <= 0) {
            break;
          }
          r.consume(n);
          left -= (int) n;
          c.fwdCnt += (int) n;
          if (n < step) {
            break;
          }
        }
      }
    } catch (NativeException e) {
      LOG.debug("vsock cid {}: {}: host write failed: {}", guestCid, c, e.getMessage());
      reset(c);
      return;
    }
    while (left > 0) {
      // Checked before: a connection with buffered bytes had room for the whole packet, an
      // empty buffer holds bufAlloc >= len.
      MemorySegment piece = r.currentPiece();
      int step = (int) Math.min(left, piece.byteSize());
      c.txBuffer().push(piece.asSlice(0, step));
      r.consume(step);
      left -= step;
    }
    if (c.creditUpdateDue()) {
      queue(c, Connection.RX_CREDIT_UPDATE);
    }
  }

  /** Writes buffered guest bytes the host socket can take now. */
  private void flush(Connection c) {
    try {
      int n = c.txBuf.flush(c.fd.fd());
      c.fwdCnt += n;
    } catch (NativeException e) {
      LOG.debug("vsock cid {}: {}: host write failed: {}", guestCid, c, e.getMessage());
      reset(c);
      return;
    }
    if (c.creditUpdateDue()) {
      queue(c, Connection.RX_CREDIT_UPDATE);
    }
    if (!c.txBuffered()) {
      afterDrained(c);
      if (txBlocked) {
        txBlocked = false;
        device.wakeTx();
      }
    }
  }

  private void onGuestShutdown(Connection c, int flags) {
    c.guestShutdown |= flags & PacketHeader.SHUTDOWN_BOTH;
    if ((c.guestShutdown & PacketHeader.SHUTDOWN_RCV) != 0) {
      c.pending &= ~Connection.RX_RW;
      c.hostReadable = false;
    }
    if (!c.txBuffered()) {
      afterDrained(c);
    }
  }

  /**
   * The TX buffer is empty: carry out a shutdown the guest asked for. SHUTDOWN(SEND) becomes
   * shutdown(SHUT_WR) on the host socket (the host program reads EOF and may still write);
   * both flags close the host socket and answer RST, as the guest's close() waits for.
   */
  private void afterDrained(Connection c) {
    if (c.fd == null) {
      return;
    }
    if (c.guestShutdown == PacketHeader.SHUTDOWN_BOTH) {
      reset(c);
      return;
    }
    if ((c.guestShutdown & PacketHeader.SHUTDOWN_SEND) != 0 && !c.hostWriteShut) {
      c.hostWriteShut = true;
      try {
        HostSockets.shutdown(c.fd.fd(), HostSockets.SHUT_WR);
      } catch (NativeException e) {
        LOG.debug("vsock cid {}: {}: {}", guestCid, c, e.getMessage());
      }
    }
  }

  /** Packet to another CID: hand it to that VM if it shares a group with us, else RST. */
  private int toSibling(Reader r, int len) {
    VmBackend to = vm.registry().sibling(vm, txHdr.dstCid());
    if (to == null || !to.receiving()) {
      if (txHdr.op() != PacketHeader.OP_RST) {
        strayRst(txHdr.dstCid(), txHdr.dstPort(), txHdr.srcPort());
      }
      return TX_DONE;
    }
    if (!to.inbox().offer(txHdr, r, len, wakeOurTx)) {
      return TX_BLOCKED;
    }
    VsockDevice d = to.current();
    if (d != null) {
      d.wakeRx();
    }
    return TX_DONE;
  }

  private void strayRst(long srcCid, int srcPort, int dstPort) {
    if (strayCount == STRAY_CAPACITY) {
      return;
    }
    int at = ((strayHead + strayCount) % STRAY_CAPACITY) * 3;
    strays[at] = srcCid;
    strays[at + 1] = srcPort;
    strays[at + 2] = dstPort;
    strayCount++;
  }

  // ---------------------------------------------------------------------------------------------
  // Host -> guest (RX)

  private void queue(Connection c, int op) {
    c.pending |= op;
    if (!c.inRxQueue) {
      c.inRxQueue = true;
      rxQueue.addLast(c);
    }
  }

  private void queueRwIfPossible(Connection c) {
    if (c.hostReadable && c.wantsHostData()) {
      queue(c, Connection.RX_RW);
    }
  }

  /** Fills RX buffers while something is waiting for the guest and buffers last. */
  void fillRx(VirtQueue vq) throws Exception {
    mem = vq.memory();
    while (hasRxWork()) {
      if (!vq.pop(chain)) {
        return;
      }
      long slot = headerSlot(chain);
      if (slot == 0) {
        vq.addUsed(chain, 0);
        continue;
      }
      int used = produce(slot, chain.writer());
      if (used < 0) {
        vq.undoPop();
        continue;
      }
      vq.addUsed(chain, used);
    }
  }

  /**
   * The host address of the header of an RX chain (its first 44 writable bytes, which must lie
   * in one descriptor and one memory region), or 0 for a chain we cannot use.
   */
  private long headerSlot(DescriptorChain c) {
    if (c.readableBytes() != 0 || c.writableBytes() < PacketHeader.SIZE
        || Integer.toUnsignedLong(c.descriptorLen(0)) < PacketHeader.SIZE) {
      return 0;
    }
    long gpa = c.descriptorAddr(0);
    GuestRegion r = mem.regionOf(gpa);
    if (r == null || !r.segment().isNative() || r.lastAddr() - gpa + 1 < PacketHeader.SIZE) {
      return 0;
    }
    return r.segment().address() + (gpa - r.guestPhysAddr());
  }

  /**
   * Host address of byte {@code offset} of the chain's readable (or writable) bytes, with, in
   * {@code contiguous[0]}, how many bytes from there lie in the same descriptor and region; 0
   * when that is not a native mapping (the caller then uses the core's cursor). No objects: this
   * is how payload moves without a MemorySegment per piece. The core has validated that every
   * descriptor of a popped chain lies in guest memory.
   */
  private long addressAt(DescriptorChain ch, boolean writable, long offset, long[] contiguous) {
    long at = offset;
    for (int i = 0, n = ch.descriptorCount(); i < n; i++) {
      if (ch.descriptorWritable(i) != writable) {
        continue;
      }
      long dlen = Integer.toUnsignedLong(ch.descriptorLen(i));
      if (at >= dlen) {
        at -= dlen;
        continue;
      }
      long gpa = ch.descriptorAddr(i) + at;
      GuestRegion r = mem.regionOf(gpa);
      if (r == null || !r.segment().isNative()) {
        return 0;
      }
      contiguous[0] = Math.min(dlen - at, r.lastAddr() - gpa + 1);
      return r.segment().address() + (gpa - r.guestPhysAddr());
    }
    return 0;
  }

  /** Writes one packet; returns the used length, or -1 if nothing was ready after all. */
  private int produce(long slot, Writer w) throws ChainTooShortException {
    if (strayCount > 0) {
      int at = strayHead * 3;
      strayHead = (strayHead + 1) % STRAY_CAPACITY;
      strayCount--;
      rxHdr.clear();
      rxHdr.src(strays[at], (int) strays[at + 1]).dst(guestCid, (int) strays[at + 2])
          .type(PacketHeader.TYPE_STREAM).op(PacketHeader.OP_RST);
      MemorySegment.copy(rxHdr.bytes, 0, ALL, slot, PacketHeader.SIZE);
      return PacketHeader.SIZE;
    }
    // Alternate between sibling packets and our own connections so neither starves the other.
    siblingFirst = !siblingFirst;
    if (!vm.inbox().isEmpty() && (siblingFirst || rxQueue.isEmpty())) {
      w.skip(PacketHeader.SIZE);
      return vm.inbox().deliver(rxHdr, ALL, slot, w);
    }
    Connection c = rxQueue.pollFirst();
    if (c == null) {
      return -1;
    }
    c.inRxQueue = false;
    int used = produceFor(c, slot, w);
    if (c.pending != 0 && c.fd != null || (c.pending & Connection.RX_RESET) != 0) {
      c.inRxQueue = true;
      rxQueue.addLast(c);
    }
    return used;
  }

  private void header(Connection c, int op) {
    rxHdr.clear();
    rxHdr.src(HOST_CID, c.localPort).dst(guestCid, c.peerPort).type(PacketHeader.TYPE_STREAM)
        .op(op).credit(c.bufAlloc, c.fwdCnt);
    c.lastFwdCnt = c.fwdCnt;
  }

  private int emit(long slot) {
    MemorySegment.copy(rxHdr.bytes, 0, ALL, slot, PacketHeader.SIZE);
    return PacketHeader.SIZE + rxHdr.bytes.get(
        java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, PacketHeader.LEN);
  }

  private int produceFor(Connection c, long slot, Writer w)
      throws ChainTooShortException {
    if ((c.pending & Connection.RX_RESET) != 0) {
      c.pending = 0;
      rxHdr.clear();
      rxHdr.src(HOST_CID, c.localPort).dst(guestCid, c.peerPort).type(PacketHeader.TYPE_STREAM)
          .op(PacketHeader.OP_RST);
      forget(c);
      return emit(slot);
    }
    if ((c.pending & Connection.RX_REQUEST) != 0) {
      c.pending &= ~Connection.RX_REQUEST;
      header(c, PacketHeader.OP_REQUEST);
      return emit(slot);
    }
    if ((c.pending & Connection.RX_RESPONSE) != 0) {
      c.pending &= ~Connection.RX_RESPONSE;
      header(c, PacketHeader.OP_RESPONSE);
      c.state = ESTABLISHED;
      rearm(c);
      return emit(slot);
    }
    if ((c.pending & Connection.RX_RW) != 0) {
      int used = readFromHost(c, slot, w);
      if (used >= 0) {
        return used;
      }
    }
    if ((c.pending & Connection.RX_SHUTDOWN) != 0) {
      c.pending &= ~Connection.RX_SHUTDOWN;
      header(c, PacketHeader.OP_SHUTDOWN);
      rxHdr.flags(PacketHeader.SHUTDOWN_SEND);
      return emit(slot);
    }
    if ((c.pending & Connection.RX_CREDIT_REQUEST) != 0) {
      c.pending &= ~Connection.RX_CREDIT_REQUEST;
      header(c, PacketHeader.OP_CREDIT_REQUEST);
      return emit(slot);
    }
    if ((c.pending & Connection.RX_CREDIT_UPDATE) != 0) {
      c.pending &= ~Connection.RX_CREDIT_UPDATE;
      header(c, PacketHeader.OP_CREDIT_UPDATE);
      return emit(slot);
    }
    return -1;
  }

  /**
   * Reads host bytes straight into the RX buffer, within the guest's credit. Returns the used
   * length, or -1 with RW no longer pending when there was nothing to send.
   */
  private int readFromHost(Connection c, long slot, Writer w)
      throws ChainTooShortException {
    if (!c.wantsHostData() || c.fd == null) {
      c.pending &= ~Connection.RX_RW;
      return -1;
    }
    long credit = c.peerCredit();
    if (credit == 0) {
      c.pending &= ~Connection.RX_RW;
      if (!c.creditRequested) {
        // Stop reading the host socket until the guest makes room; ask it where it stands.
        c.creditRequested = true;
        header(c, PacketHeader.OP_CREDIT_REQUEST);
        return emit(slot);
      }
      return -1;
    }
    w.skip(PacketHeader.SIZE);
    long want = Math.min(credit, w.remaining());
    long total = 0;
    boolean eof = false;
    boolean again = false;
    try {
      while (total < want) {
        long addr = addressAt(chain, true, PacketHeader.SIZE + total, contiguous);
        long step;
        long n;
        if (addr != 0) {
          step = Math.min(want - total, contiguous[0]);
          n = HostSockets.recvAt(c.fd.fd(), addr, step);
        } else {
          MemorySegment piece = w.currentPiece();
          step = Math.min(want - total, piece.byteSize());
          n = HostSockets.recv(c.fd.fd(), piece, step);
        }
        if (n < 0) {
          again = true;
          break;
        }
        if (n == 0) {
          eof = true;
          break;
        }
        w.consume(n);
        total += n;
        if (n < step) {
          break;
        }
      }
    } catch (NativeException e) {
      LOG.debug("vsock cid {}: {}: host read failed: {}", guestCid, c, e.getMessage());
      if (total == 0) {
        c.pending = 0;
        resetNow(c);
        rxHdr.clear();
        rxHdr.src(HOST_CID, c.localPort).dst(guestCid, c.peerPort)
            .type(PacketHeader.TYPE_STREAM).op(PacketHeader.OP_RST);
        forget(c);
        return emit(slot);
      }
      again = true;
    }
    if (total > 0) {
      header(c, PacketHeader.OP_RW);
      rxHdr.len((int) total);
      c.rxCnt += (int) total;
      if (eof) {
        hostEof(c);
      } else if (again) {
        c.hostReadable = false;
        c.pending &= ~Connection.RX_RW;
        rearm(c);
      }
      MemorySegment.copy(rxHdr.bytes, 0, ALL, slot, PacketHeader.SIZE);
      return PacketHeader.SIZE + (int) total;
    }
    if (eof) {
      hostEof(c);
      c.pending &= ~Connection.RX_SHUTDOWN;
      header(c, PacketHeader.OP_SHUTDOWN);
      rxHdr.flags(PacketHeader.SHUTDOWN_SEND);
      return emit(slot);
    }
    // Nothing there after all (a spurious wake-up): watch the socket again.
    c.hostReadable = false;
    c.pending &= ~Connection.RX_RW;
    rearm(c);
    return -1;
  }

  /** The host program shut down its sending side: tell the guest, keep the other direction. */
  private void hostEof(Connection c) {
    c.hostEof = true;
    c.hostReadable = false;
    c.pending &= ~Connection.RX_RW;
    c.pending |= Connection.RX_SHUTDOWN;
  }

  // ---------------------------------------------------------------------------------------------
  // Teardown

  /** Closes the host side now and queues RST for the guest; the entry goes once RST is sent. */
  private void reset(Connection c) {
    resetNow(c);
    c.pending = Connection.RX_RESET;
    if (!c.inRxQueue) {
      c.inRxQueue = true;
      rxQueue.addLast(c);
    }
  }

  private void resetNow(Connection c) {
    c.state = Connection.CLOSING;
    closeFd(c);
  }

  private void closeFd(Connection c) {
    if (c.fd != null) {
      loop.remove(c.fd.fd());
      c.fd.close();
      c.fd = null;
    }
    byToken.remove(c.token);
    c.txBuf = null;
    c.hostReadable = false;
    if (txBlocked) {
      // The TX ring may be waiting for this connection's buffer to drain; it never will now.
      txBlocked = false;
      device.wakeTx();
    }
  }

  /** Removes the connection from every table (host side already closed or closing now). */
  private void forget(Connection c) {
    closeFd(c);
    if (byKey.get(c.key()) == c) {
      byKey.remove(c.key());
      localPortUse.computeIfPresent(c.localPort, (p, n) -> n > 1 ? n - 1 : null);
    }
    c.pending = 0;
  }

  private void remove(Connection c, String why) {
    LOG.debug("vsock cid {}: {} closed: {}", guestCid, c, why);
    forget(c);
  }

  /** A host socket that never became a connection (no ports yet). */
  private void closeUnbound(Connection c, String why) {
    LOG.debug("vsock cid {}: host connection dropped: {}", guestCid, why);
    closeFd(c);
  }

  /** Closes every host socket of this session; the guest learns through TRANSPORT_RESET. */
  void dropAll(String why) {
    int n = byToken.size();
    for (Connection c : byToken.values()) {
      closeFd(c);
    }
    for (Connection c : byKey.values()) {
      c.pending = 0;
    }
    byKey.clear();
    byToken.clear();
    localPortUse.clear();
    rxQueue.clear();
    retrying.clear();
    strayCount = 0;
    if (n > 0) {
      LOG.info("vsock cid {}: closed {} host connection(s): {}", guestCid, n, why);
    }
  }
}
