// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.IOException;

/** The terminal of the nested backend: the daemon's own stdin/stdout, or a fake in tests. */
interface Terminal {
  /** A pollable fd carrying the keyboard input. */
  int inputFd();

  /** Raw mode: every byte (Ctrl-C included) goes to the guest, nothing is echoed. */
  void enterRaw() throws IOException;

  /** Back to the settings found before {@link #enterRaw}; safe to call more than once. */
  void restore();

  void write(byte[] b, int off, int len) throws IOException;
}
