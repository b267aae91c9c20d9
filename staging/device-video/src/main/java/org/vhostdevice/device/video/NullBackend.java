// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.util.List;
import org.vhostdevice.memory.GuestMemory;

/**
 * The {@code null} backend: accepts stream and resource management, has no formats, cannot
 * queue buffers or report parameters, and never sends events. Unlike the Rust one it does not
 * open (create, truncate) the {@code --v4l2-device} path at all.
 */
public final class NullBackend implements VideoBackend {
  private static VideoException unsupported(String what) {
    return new VideoException(VideoProtocol.RESP_ERR_INVALID_OPERATION,
        "the null backend cannot " + what);
  }

  @Override
  public List<FormatDesc> queryCapability(int queueType) {
    return List.of();
  }

  @Override
  public void createStream(Stream stream) {}

  @Override
  public void destroyStream(Stream stream) {}

  @Override
  public void drain(Stream stream) {}

  @Override
  public void createResource(Stream stream, Resource resource) {}

  @Override
  public void queueResource(Stream stream, Resource resource, GuestMemory memory,
      long timestamp, int[] dataSizes, int numDataSizes) throws VideoException {
    throw unsupported("queue resources");
  }

  @Override
  public void destroyResources(Stream stream, int queueType) {}

  @Override
  public void clearQueue(Stream stream, int queueType) {}

  @Override
  public Params getParams(Stream stream, int queueType) throws VideoException {
    throw unsupported("report parameters");
  }

  @Override
  public void setParams(Stream stream, Params params) {}

  @Override
  public int queryControl(int control, int format) {
    return 0;
  }

  @Override
  public void close() {}
}
