// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.nio.file.Path;

/** Builds the backend a command line asked for, one per frontend connection. */
final class Backends {
  private Backends() {}

  static VideoBackend create(VideoMain.BackendKind kind, Path device) {
    return switch (kind) {
      case NULL -> new NullBackend();
      case V4L2_DECODER -> new V4l2Decoder(() -> LinuxV4l2Device.open(device.toString()));
      case TEST_FAKE_DECODER -> new V4l2Decoder(new FakeV4l2Decoder.Opener());
    };
  }
}
