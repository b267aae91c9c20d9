// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.util.LinkedHashMap;
import java.util.Map;

/** A stream created by STREAM_CREATE: its memory types, coded format, state and resources. */
public final class Stream {
  /** The stream's lifecycle as the Rust daemon tracks it. */
  public enum State { STOPPED, SUBSCRIBED, STREAMING, DRAINING, DESTROYED }

  public final int id;
  public final int inMemType;
  public final int outMemType;
  public final int codedFormat;
  public volatile State state = State.STOPPED;
  private final Map<Integer, Resource> inputs = new LinkedHashMap<>();
  private final Map<Integer, Resource> outputs = new LinkedHashMap<>();
  /** Backend-private per-stream data (the V4L2 decoder keeps its device handle here). */
  public Object backendData;

  public Stream(int id, int inMemType, int outMemType, int codedFormat) {
    this.id = id;
    this.inMemType = inMemType;
    this.outMemType = outMemType;
    this.codedFormat = codedFormat;
  }

  public Map<Integer, Resource> resources(int queueType) {
    return queueType == VideoProtocol.QUEUE_TYPE_INPUT ? inputs : outputs;
  }

  public int memType(int queueType) {
    return queueType == VideoProtocol.QUEUE_TYPE_INPUT ? inMemType : outMemType;
  }

  public Resource find(int queueType, int resourceId) {
    return resources(queueType).get(resourceId);
  }

  public boolean allFresh(int queueType) {
    return resources(queueType).values().stream().noneMatch(r -> r.queuedOnce);
  }
}
