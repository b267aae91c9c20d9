// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.util.List;
import org.vhostdevice.memory.GuestMemory;

/**
 * What a video backend does for the device, one call per virtio-video command. The device has
 * already checked the request (sizes, enums, stream and resource ids) and keeps the stream and
 * resource state; the backend maps it to the host codec. A refused command throws {@link
 * VideoException} with the error response type. One backend instance serves one frontend
 * connection and is closed when that connection ends.
 *
 * <p>RESOURCE_QUEUE is asynchronous: {@link #queueResource} returns once the buffer is queued and
 * the backend later reports it done through {@link Sink#resourceDone}, from its own thread.
 */
public interface VideoBackend extends AutoCloseable {

  /** Where a backend reports completions and events; thread-safe. */
  interface Sink {
    void resourceDone(int streamId, int queueType, int resourceId, long timestamp, int flags,
        int size);

    void event(int eventType, int streamId);
  }

  /** Called once before the first command, with the device's sink. */
  default void start(Sink sink) throws java.io.IOException {}

  List<FormatDesc> queryCapability(int queueType) throws VideoException;

  void createStream(Stream stream) throws VideoException;

  void destroyStream(Stream stream);

  void drain(Stream stream) throws VideoException;

  void createResource(Stream stream, Resource resource) throws VideoException;

  /** {@code memory} is the guest memory of this batch, to resolve guest-page entries. */
  void queueResource(Stream stream, Resource resource, GuestMemory memory, long timestamp,
      int[] dataSizes, int numDataSizes) throws VideoException;

  void destroyResources(Stream stream, int queueType) throws VideoException;

  void clearQueue(Stream stream, int queueType) throws VideoException;

  Params getParams(Stream stream, int queueType) throws VideoException;

  void setParams(Stream stream, Params params) throws VideoException;

  int queryControl(int control, int format) throws VideoException;

  @Override
  void close();
}
