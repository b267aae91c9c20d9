// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * The tests' CAN interface: records what the device sends, refuses sends with a chosen errno,
 * delivers injected frames (data, FD, RTR, error frames) through an eventfd that polls readable
 * while frames wait, and can fail the next receive as a socket error would.
 */
final class FakeCanBus implements CanBus {
  final String name;
  final boolean fd;
  final List<CanFrame> sent = new ArrayList<>();
  private final ArrayDeque<CanFrame> inbox = new ArrayDeque<>();
  private final EventFd ready;
  volatile int sendErrno;
  volatile boolean failNextReceive;
  volatile boolean closed;
  int receives;

  FakeCanBus(String name, boolean fd) throws NativeException {
    this.name = name;
    this.fd = fd;
    this.ready = EventFd.create();
  }

  /** An opener that hands out this bus (for the device) every time. */
  CanBus.Opener opener() {
    return n -> {
      if (!n.equals(name)) {
        throw new IOException("no interface " + n);
      }
      closed = false;
      return this;
    };
  }

  static CanFrame frame(int canId, boolean fd, byte... data) {
    return new CanFrame().set(canId, fd, data);
  }

  /** A frame arrives from the bus. */
  synchronized void inject(CanFrame f) throws NativeException {
    CanFrame copy = new CanFrame();
    copy.copyFrom(f);
    inbox.add(copy);
    ready.signal();
  }

  /** The interface reports an error on the socket (as when it goes down). */
  void breakSocket() throws NativeException {
    failNextReceive = true;
    ready.signal();
  }

  synchronized int waiting() {
    return inbox.size();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean fdCapable() {
    return fd;
  }

  @Override
  public synchronized void send(CanFrame frame) throws CanSendException {
    if (sendErrno != 0) {
      throw new CanSendException(name, sendErrno);
    }
    CanFrame copy = new CanFrame();
    copy.copyFrom(frame);
    sent.add(copy);
  }

  @Override
  public synchronized boolean receive(CanFrame into) throws IOException {
    receives++;
    if (failNextReceive) {
      failNextReceive = false;
      ready.read();
      throw new IOException("read: ENETDOWN (100)");
    }
    CanFrame f = inbox.poll();
    if (inbox.isEmpty()) {
      ready.read();
    }
    if (f == null) {
      return false;
    }
    into.copyFrom(f);
    return true;
  }

  @Override
  public int pollFd() {
    return ready.fd();
  }

  @Override
  public void close() {
    closed = true; // the eventfd stays: the same fake is opened again by the next session
  }
}
