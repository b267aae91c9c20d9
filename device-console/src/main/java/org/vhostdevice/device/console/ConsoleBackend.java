// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import java.io.IOException;

/**
 * The host end of one console port: the terminal the daemon runs in, or a TCP client. It lives as
 * long as the daemon (across frontend connections), puts host input into {@link
 * ConsolePort#input()} and takes guest output through {@link #write}.
 */
interface ConsoleBackend extends AutoCloseable {
  /** Starts the backend's own thread; host input goes to {@code port}. */
  void start(ConsolePort port) throws IOException;

  /**
   * Whether {@code len} bytes of guest output may be written now. When this says no, the backend
   * calls {@link ConsolePort#outputRoom()} once it has drained some, so the guest waits instead
   * of the daemon buffering without limit.
   */
  boolean canAccept(int len);

  /** Guest output. Called from the device's worker thread. */
  void write(byte[] b, int off, int len) throws IOException;

  /** The device took bytes out of a full input ring: the backend may read its source again. */
  void inputDrained();

  @Override
  void close();
}
