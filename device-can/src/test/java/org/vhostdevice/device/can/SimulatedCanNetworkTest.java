// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.Epoll;

/** The --simulate buses: broadcast to the other endpoints of a name, readiness by eventfd. */
class SimulatedCanNetworkTest {
  @Test
  void aFrameReachesTheOtherEndpointsOfTheBusButNotTheSender() throws Exception {
    SimulatedCanNetwork net = new SimulatedCanNetwork(true);
    try (CanBus a = net.open("sim0"); CanBus b = net.open("sim0"); CanBus c = net.open("sim1")) {
      a.send(FakeCanBus.frame(0x42, false, (byte) 7));
      CanFrame got = new CanFrame();
      assertTrue(b.receive(got));
      assertEquals(0x42, got.canId);
      assertEquals(7, got.data[0]);
      assertFalse(a.receive(got), "no echo to the sender");
      assertFalse(c.receive(got), "another bus");
    }
  }

  @Test
  void theEndpointPollsReadableExactlyWhileFramesWait() throws Exception {
    SimulatedCanNetwork net = new SimulatedCanNetwork(true);
    try (CanBus a = net.open("sim0"); CanBus b = net.open("sim0"); Epoll ep = Epoll.create(2)) {
      ep.add(b.pollFd(), Epoll.EPOLLIN, 1);
      assertEquals(0, ep.await(0));
      a.send(FakeCanBus.frame(1, false));
      a.send(FakeCanBus.frame(2, false));
      assertEquals(1, ep.await(1000));
      CanFrame got = new CanFrame();
      b.receive(got);
      assertEquals(1, ep.await(0), "one frame still waits");
      b.receive(got);
      assertEquals(0, ep.await(0));
    }
  }

  @Test
  void aClassicNetworkRefusesFdFrames() throws Exception {
    SimulatedCanNetwork net = new SimulatedCanNetwork(false);
    try (CanBus a = net.open("sim0")) {
      assertFalse(a.fdCapable());
      assertThrows(CanSendException.class, () -> a.send(FakeCanBus.frame(1, true, new byte[12])));
    }
  }
}
