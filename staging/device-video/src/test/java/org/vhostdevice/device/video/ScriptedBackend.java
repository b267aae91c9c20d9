// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.memory.GuestMemory;

/**
 * A backend whose answers the test decides: formats to report, and RESOURCE_QUEUE buffers that
 * stay queued until the test completes them through the sink (as a decoder thread would).
 */
final class ScriptedBackend implements VideoBackend {
  Sink sink;
  List<FormatDesc> formats = List.of();
  final List<String> calls = new ArrayList<>();
  final List<Resource> queued = new ArrayList<>();
  Params params = new Params();
  boolean closed;
  boolean drainThrows;

  @Override
  public void start(Sink sink) {
    this.sink = sink;
  }

  @Override
  public List<FormatDesc> queryCapability(int queueType) {
    return formats;
  }

  @Override
  public void createStream(Stream stream) {
    calls.add("create " + stream.id);
  }

  @Override
  public void destroyStream(Stream stream) {
    calls.add("destroy " + stream.id);
  }

  @Override
  public void drain(Stream stream) {
    if (drainThrows) {
      throw new IllegalStateException("backend bug");
    }
    calls.add("drain " + stream.id);
  }

  @Override
  public void createResource(Stream stream, Resource resource) {
    calls.add("resource " + resource.id);
  }

  @Override
  public void queueResource(Stream stream, Resource resource, GuestMemory memory, long timestamp,
      int[] dataSizes, int numDataSizes) {
    calls.add("queue " + resource.id + " ts " + timestamp);
    queued.add(resource);
  }

  @Override
  public void destroyResources(Stream stream, int queueType) {
    calls.add("destroyAll " + Integer.toHexString(queueType));
  }

  @Override
  public void clearQueue(Stream stream, int queueType) {
    calls.add("clear " + Integer.toHexString(queueType));
  }

  @Override
  public Params getParams(Stream stream, int queueType) {
    params.queueType = queueType;
    return params;
  }

  @Override
  public void setParams(Stream stream, Params p) {
    params = p;
  }

  @Override
  public int queryControl(int control, int format) {
    return control * 10;
  }

  @Override
  public void close() {
    closed = true;
  }
}
