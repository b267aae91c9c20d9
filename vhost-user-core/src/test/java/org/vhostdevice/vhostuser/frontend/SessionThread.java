// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.vhostdevice.vhostuser.backend.BackendSession;
import org.vhostdevice.vhostuser.device.VirtioDevice;
import org.vhostdevice.vhostuser.transport.Connection;

/** A real backend session on a thread, and a {@link Frontend} on the other end of its socket. */
final class SessionThread implements AutoCloseable {
  final Frontend front;
  private final Thread thread;
  /** How serve() ended: null while it runs, the exception it threw, or a clean-end marker. */
  private final AtomicReference<Throwable> ended = new AtomicReference<>();
  private static final Throwable CLEAN = new Throwable("clean end");

  SessionThread(VirtioDevice device) throws IOException {
    Connection[] pair = Connection.pair();
    BackendSession session;
    try {
      session = new BackendSession(device, pair[1]);
    } catch (IOException | RuntimeException e) {
      pair[0].close();
      pair[1].close();
      throw e;
    }
    front = Frontend.over(pair[0]);
    thread = Thread.ofPlatform().name("frontend-test-session").start(() -> {
      try {
        session.serve();
        ended.set(CLEAN);
      } catch (Throwable t) {
        ended.set(t);
      }
    });
  }

  /** Waits for the session to end; returns its exception, or null if it ended cleanly. */
  Throwable awaitEnd(long millis) throws InterruptedException {
    thread.join(millis);
    Throwable t = ended.get();
    if (t == null) {
      throw new AssertionError("the backend session is still running");
    }
    return t == CLEAN ? null : t;
  }

  @Override
  public void close() throws InterruptedException {
    front.close();
    thread.join(5000);
  }
}
