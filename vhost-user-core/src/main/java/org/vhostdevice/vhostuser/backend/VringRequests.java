// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import java.io.IOException;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.queue.InvalidRingException;
import org.vhostdevice.queue.VirtioFeatures;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.VringAddress;
import org.vhostdevice.vhostuser.protocol.VringFdRef;
import org.vhostdevice.vhostuser.protocol.VringState;

/**
 * SET_VRING_* and GET_VRING_BASE. Each runs under the ring's lock, so it never overlaps a batch
 * the worker is processing on that ring.
 */
final class VringRequests {
  private final BackendSession session;

  VringRequests(BackendSession session) {
    this.session = session;
  }

  void handle(FrontendRequest request, Message m) throws IOException {
    switch (request) {
      case SET_VRING_NUM -> setNum(request, VringState.decode(m));
      case SET_VRING_ADDR -> setAddr(request, VringAddress.decode(m));
      case SET_VRING_BASE -> setBase(request, VringState.decode(m));
      case GET_VRING_BASE -> getBase(request, VringState.decode(m), m.code());
      case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> setFd(request, m);
      case SET_VRING_ENABLE -> setEnable(request, VringState.decode(m));
      default -> throw new IllegalArgumentException(request.name());
    }
  }

  private void setNum(FrontendRequest request, VringState s) throws ProtocolException {
    Vring v = session.vring(request, s.index());
    v.lock.lock();
    try {
      if (!v.queue.setSize(s.num())) {
        throw new ProtocolException(String.format(
            "SET_VRING_NUM: %s is not a power of two in 1..%d",
            Integer.toUnsignedString(s.num()), v.queue.maxSize()));
      }
    } finally {
      v.lock.unlock();
    }
  }

  private void setAddr(FrontendRequest request, VringAddress a) throws IOException {
    Vring v = session.vring(request, a.index());
    GuestMemory mem = session.memory.peek();
    if (mem.regionCount() == 0) {
      throw new ProtocolException("SET_VRING_ADDR before any memory table");
    }
    v.lock.lock();
    try {
      v.queue.setAddresses(
          mem.userToGuest(a.desc()), mem.userToGuest(a.avail()), mem.userToGuest(a.used()));
      v.queue.checkLayout(mem);
      // The used index is not part of the vhost-user state: after a reconnect or a guest
      // reboot it must come from guest memory, or the next used entry lands in the wrong slot.
      v.queue.syncUsedIndex(mem);
      v.broken = false;
      session.updateActivity(v);
    } catch (GuestMemoryException | InvalidRingException e) {
      throw new ProtocolException("SET_VRING_ADDR: " + e.getMessage(), e);
    } finally {
      v.lock.unlock();
    }
  }

  private void setBase(FrontendRequest request, VringState s) throws ProtocolException {
    Vring v = session.vring(request, s.index());
    if ((s.num() & ~0xFFFF) != 0) {
      throw new ProtocolException(
          "SET_VRING_BASE: 0x" + Integer.toHexString(s.num()) + " is not a split-ring index");
    }
    v.lock.lock();
    try {
      v.queue.setNextAvail(s.num());
    } finally {
      v.lock.unlock();
    }
  }

  /**
   * Stops the ring and reports where the frontend should resume. Taking the lock waits for a
   * batch in progress, so no used entry is written and no call is signalled after the reply.
   */
  private void getBase(FrontendRequest request, VringState s, int code) throws IOException {
    Vring v = session.vring(request, s.index());
    int nextAvail;
    v.lock.lock();
    try {
      v.started = false;
      session.updateActivity(v);
      v.queue.setReady(false);
      nextAvail = v.queue.nextAvail();
      // The frontend hands over new eventfds when it starts the ring again.
      v.closeFds();
    } finally {
      v.lock.unlock();
    }
    session.connection.sendReply(code, new VringState(s.index(), nextAvail).encode());
  }

  private void setFd(FrontendRequest request, Message m) throws IOException {
    VringFdRef ref = VringFdRef.decode(m);
    Vring v = session.vring(request, ref.index());
    EventFd fd = ref.noFd() ? null : peerEventFd(request, m.takeFd(0));
    v.lock.lock();
    try {
      switch (request) {
        case SET_VRING_KICK -> {
          v.replaceKick(fd);
          if (fd != null && !v.started) {
            v.started = true;
            v.queue.setReady(true);
          }
          session.updateActivity(v);
        }
        case SET_VRING_CALL -> v.replaceCall(fd);
        default -> v.replaceErr(fd);
      }
    } finally {
      v.lock.unlock();
    }
  }

  /**
   * Checks an fd the frontend sent as a notifier and takes it. A worker reads kicks and writes
   * calls on the fd; were it blocking, a read racing the frontend for the count, or a write to a
   * counter the frontend filled up, would block the worker for ever, and GET_VRING_BASE and the
   * session's end with it. So the fd is made non-blocking; that flag belongs to the open file the
   * frontend shares, which is how QEMU creates its eventfds anyway.
   */
  private static EventFd peerEventFd(FrontendRequest request, OwnedFd fd) throws IOException {
    try {
      String kind = Fds.kind(fd.fd());
      if (!EventFd.KIND.equals(kind)) {
        throw new VringFdRefusedException(
            request.name() + ": the fd is " + kind + ", not an eventfd");
      }
      if (request == FrontendRequest.SET_VRING_KICK && EventFd.isSemaphore(fd.fd())) {
        // Each read would take 1 off a count the frontend can set to 2^64-2: a worker spinning.
        throw new VringFdRefusedException(
            request.name() + ": the eventfd is in semaphore mode and could never be drained");
      }
      Fds.setNonBlocking(fd.fd(), true);
      return EventFd.adopt(fd);
    } catch (ProtocolException | NativeException e) {
      fd.close();
      throw e;
    } catch (IOException e) {
      fd.close();
      throw new ProtocolException(request.name() + ": cannot inspect the fd: " + e.getMessage(), e);
    }
  }

  private void setEnable(FrontendRequest request, VringState s) throws IOException {
    if ((session.ackedFeatures & VirtioFeatures.VHOST_USER_PROTOCOL_FEATURES) == 0) {
      throw new ProtocolException("SET_VRING_ENABLE without PROTOCOL_FEATURES acked");
    }
    if (s.num() != 0 && s.num() != 1) {
      throw new ProtocolException("SET_VRING_ENABLE: " + Integer.toUnsignedString(s.num())
          + " is neither 0 nor 1");
    }
    Vring v = session.vring(request, s.index());
    v.lock.lock();
    try {
      v.enabled = s.num() == 1;
      // Registered before the ack goes out: the guest may kick as soon as QEMU sees it.
      session.updateActivity(v);
    } finally {
      v.lock.unlock();
    }
  }
}
