// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.vhostdevice.vhostuser.protocol.ConfigSpace;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.VringState;
import org.vhostdevice.vhostuser.transport.Connection;

/**
 * A scripted backend that records every request (code, flags, fd count, payload) and answers
 * just enough to keep a frontend going: fixed GET answers, echoed config, ack 0 when asked.
 * It checks nothing, so tests see exactly what the frontend sent, in order.
 */
final class RecordingBackend implements AutoCloseable {
  record Seen(FrontendRequest request, int flags, int fds, byte[] payload) {
    @Override
    public String toString() {
      return request.name();
    }
  }

  final Frontend front;
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Connection back;
  private final long features;
  private final long protocolFeatures;
  private final Thread thread;

  RecordingBackend(long features, long protocolFeatures) throws IOException {
    Connection[] pair = Connection.pair();
    front = Frontend.over(pair[0]);
    back = pair[1];
    this.features = features;
    this.protocolFeatures = protocolFeatures;
    thread = Thread.ofPlatform().name("recording-backend").start(this::run);
  }

  private void run() {
    try {
      while (true) {
        Message received = back.receive();
        if (received == null) {
          return;
        }
        try (Message m = received) {
          seen.add(new Seen(m.request(), m.flags(), m.fdCount(), m.payloadBytes()));
          answer(m);
        }
      }
    } catch (IOException e) {
      // the frontend hung up
    }
  }

  private void answer(Message m) throws IOException {
    switch (m.request()) {
      case GET_FEATURES -> back.sendReply(m.code(), Payloads.encodeU64(features));
      case GET_PROTOCOL_FEATURES -> back.sendReply(m.code(), Payloads.encodeU64(protocolFeatures));
      case GET_QUEUE_NUM -> back.sendReply(m.code(), Payloads.encodeU64(4));
      case GET_MAX_MEM_SLOTS -> back.sendReply(m.code(), Payloads.encodeU64(509));
      case GET_VRING_BASE -> back.sendReply(m.code(),
          new VringState(VringState.decode(m).index(), 7).encode());
      case GET_CONFIG -> back.sendReply(m.code(), ConfigSpace.decode(m).encode());
      default -> {
        if (m.needsReply()) {
          back.sendAck(m.code(), 0);
        }
      }
    }
  }

  /** The names of every request sent so far (a GET_FEATURES round trip makes sure of it). */
  List<String> names() throws IOException {
    sync();
    return seen.stream().map(Seen::toString).toList();
  }

  /** The requests sent so far, in order. */
  List<Seen> requests() throws IOException {
    sync();
    return List.copyOf(seen);
  }

  private void sync() throws IOException {
    // Requests are answered in order, so this reply means every earlier request was recorded.
    front.getFeatures();
    seen.removeLast();
  }

  /** Forgets what was seen (to look at one phase at a time). */
  void clear() throws IOException {
    sync();
    seen.clear();
  }

  @Override
  public void close() throws InterruptedException {
    front.close();
    thread.join(5000);
    back.close();
  }
}
