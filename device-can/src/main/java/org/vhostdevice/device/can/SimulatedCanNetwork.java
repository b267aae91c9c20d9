// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * CAN buses without hardware, for tests and demos ({@code --simulate}): every interface name is
 * a bus, and a frame sent on an endpoint reaches every other endpoint open on the same bus (not
 * the sender, as on a real bus). Each endpoint has a bounded receive buffer that drops frames
 * when full, like a socket buffer, and an eventfd that polls readable while frames wait.
 * Serving two guests on one bus ({@code -c 2 -d "sim0 sim0"}) lets them talk to each other.
 */
public final class SimulatedCanNetwork implements CanBus.Opener {
  /** Frames an endpoint holds before it drops new ones. */
  static final int ENDPOINT_FRAMES = 1024;

  private final boolean fd;
  private final Map<String, List<Endpoint>> buses = new HashMap<>();

  /** @param fd whether the simulated interfaces carry CAN FD (MTU 72) */
  public SimulatedCanNetwork(boolean fd) {
    this.fd = fd;
  }

  @Override
  public synchronized CanBus open(String ifname) throws NativeException {
    Endpoint e = new Endpoint(ifname, EventFd.create());
    buses.computeIfAbsent(ifname, n -> new ArrayList<>()).add(e);
    return e;
  }

  private synchronized List<Endpoint> peers(Endpoint from) {
    List<Endpoint> all = buses.getOrDefault(from.name, List.of());
    List<Endpoint> others = new ArrayList<>(all.size());
    for (Endpoint e : all) {
      if (e != from) {
        others.add(e);
      }
    }
    return others;
  }

  private synchronized void detach(Endpoint e) {
    List<Endpoint> all = buses.get(e.name);
    if (all != null) {
      all.remove(e);
    }
  }

  private final class Endpoint implements CanBus {
    private final String name;
    private final EventFd ready;
    private final CanRxFifo inbox = new CanRxFifo(ENDPOINT_FRAMES);
    private boolean closed;

    Endpoint(String name, EventFd ready) {
      this.name = name;
      this.ready = ready;
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
    public void send(CanFrame frame) throws CanSendException {
      if (frame.fd && !fd) {
        throw new CanSendException(name, 22 /* EINVAL: an FD frame on a classic interface */);
      }
      for (Endpoint peer : peers(this)) {
        peer.deliver(frame);
      }
    }

    private void deliver(CanFrame frame) {
      synchronized (inbox) {
        if (closed || !inbox.offer(frame)) {
          return;
        }
        try {
          ready.signal();
        } catch (NativeException e) {
          // the eventfd cannot fail to count up here; a lost wake-up would only delay delivery
        }
      }
    }

    @Override
    public boolean receive(CanFrame into) throws NativeException {
      synchronized (inbox) {
        boolean got = inbox.poll(into);
        if (inbox.size() == 0) {
          ready.read(); // level-triggered readiness follows the inbox
        }
        return got;
      }
    }

    @Override
    public int pollFd() {
      return ready.fd();
    }

    @Override
    public void close() {
      detach(this);
      synchronized (inbox) {
        closed = true;
        ready.close();
      }
    }
  }
}
