// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a daemon process holds, read from /proc: its open descriptors (by target), its mappings
 * of guest memory (memfd) and its threads (by name). Used to show that a frontend that died took
 * nothing with it.
 */
record ProcSnapshot(List<String> fds, long memfdMappings, List<String> threads) {
  static ProcSnapshot of(long pid) throws IOException {
    Path proc = Path.of("/proc", Long.toString(pid));
    List<String> fds = new ArrayList<>();
    try (Stream<Path> s = Files.list(proc.resolve("fd"))) {
      for (Path fd : s.toList()) {
        try {
          fds.add(Files.readSymbolicLink(fd).toString());
        } catch (IOException closedMeanwhile) {
          // the descriptor was closed between list and readlink
        }
      }
    }
    fds.sort(null);
    long memfd = Files.readAllLines(proc.resolve("maps")).stream()
        .filter(l -> l.contains("memfd:")).count();
    List<String> threads = new ArrayList<>();
    try (Stream<Path> s = Files.list(proc.resolve("task"))) {
      for (Path t : s.toList()) {
        try {
          threads.add(Files.readString(t.resolve("comm")).trim());
        } catch (IOException exited) {
          // the thread ended meanwhile
        }
      }
    }
    threads.sort(null);
    return new ProcSnapshot(fds, memfd, threads);
  }

  /** Descriptors that come and go with a frontend: sockets, eventfds, memfds, epoll, timers. */
  long sessionFds() {
    return fds.stream().filter(f -> f.startsWith("socket:") || f.startsWith("anon_inode:")
        || f.contains("memfd:")).count();
  }

  long threadsNamed(String prefix) {
    return threads.stream().filter(t -> t.startsWith(prefix)).count();
  }

  /** The JVM's own pid for a daemon started by this test, found by its socket argument. */
  static long daemonPid(Path socketArg) {
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains(socketArg.toString()))
        .filter(p -> p.info().command().orElse("").endsWith("java"))
        .findFirst().orElseThrow(() -> new IllegalStateException("no daemon for " + socketArg))
        .pid();
  }
}
