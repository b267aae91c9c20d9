// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What /proc says about this process's descriptors. */
public final class OpenFds {
  /** O_CLOEXEC in the octal "flags:" line of /proc/self/fdinfo. */
  private static final int O_CLOEXEC = 02000000;

  private OpenFds() {}

  public static long count() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean isCloseOnExec(int fd) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
      if (line.startsWith("flags:")) {
        return (Integer.parseInt(line.substring("flags:".length()).trim(), 8) & O_CLOEXEC) != 0;
      }
    }
    throw new IOException("no flags line for fd " + fd);
  }
}
