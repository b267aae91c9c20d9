// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Header;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.VringState;

/** Writers on several threads: each message still arrives whole, with its own fd. */
class ConcurrentSendersTest {
  private static final int THREADS = 4;
  private static final int MESSAGES = 200;
  private static final int CALL = FrontendRequest.SET_VRING_CALL.code();

  @Test
  void messagesFromManyThreadsArriveWholeWithTheirFds() throws Exception {
    Connection[] pair = Connection.pair();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<EventFd> notifiers = new ArrayList<>();
    try (Connection sender = pair[0]; Connection receiver = pair[1]) {
      List<Future<?>> senders = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        EventFd e = EventFd.create();
        notifiers.add(e);
        int thread = t;
        senders.add(pool.submit(() -> {
          for (int i = 0; i < MESSAGES; i++) {
            // A VringState-sized payload naming the sender, with the sender's eventfd.
            sender.send(CALL, Header.VERSION, new VringState(thread, i).encode(), e.fd());
          }
          return null;
        }));
      }
      int[] next = new int[THREADS];
      for (int n = 0; n < THREADS * MESSAGES; n++) {
        try (Message m = receiver.receive(); EventFd fd = EventFd.adopt(m.takeFd(0))) {
          VringState s = VringState.decode(m);
          assertEquals(next[s.index()]++, s.num(), "order within thread " + s.index());
          fd.write(1);
        }
      }
      for (Future<?> f : senders) {
        f.get();
      }
      for (EventFd e : notifiers) {
        assertEquals(MESSAGES, e.read());
      }
    } finally {
      pool.shutdown();
      notifiers.forEach(EventFd::close);
    }
  }
}
