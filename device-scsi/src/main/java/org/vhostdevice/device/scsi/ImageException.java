// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.IOException;
import java.nio.file.Path;

/** A disk image that cannot be used as a LUN (unreadable, or not a whole number of blocks). */
final class ImageException extends IOException {
  private static final long serialVersionUID = 1L;

  ImageException(Path image, String why) {
    super(image + ": " + why);
  }

  ImageException(Path image, String why, Throwable cause) {
    super(image + ": " + why, cause);
  }
}
