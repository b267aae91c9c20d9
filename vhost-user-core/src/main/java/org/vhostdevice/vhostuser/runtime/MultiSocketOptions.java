// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import picocli.CommandLine.Option;

/**
 * Socket options of devices that serve several guests ({@code -c N}). As in the Rust daemons, the
 * socket index is appended to the file name even for one socket: {@code -s /run/rng.sock} listens
 * on {@code /run/rng.sock0}.
 */
public class MultiSocketOptions extends SocketOptions {
  @Option(
      names = {"-c", "--socket-count"},
      paramLabel = "N",
      defaultValue = "1",
      description = "Number of guests (sockets PATH0..PATH<N-1>). Default: ${DEFAULT-VALUE}.")
  int socketCount = 1;

  @Override
  public int socketCount() {
    return socketCount;
  }

  @Override
  boolean indexedPaths() {
    return true;
  }
}
