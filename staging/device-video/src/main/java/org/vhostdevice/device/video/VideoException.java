// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

/** A command the backend refused; {@link #response()} is the virtio-video error response type. */
public final class VideoException extends Exception {
  private final int response;

  public VideoException(int response, String message) {
    super(message);
    this.response = response;
  }

  public int response() {
    return response;
  }
}
