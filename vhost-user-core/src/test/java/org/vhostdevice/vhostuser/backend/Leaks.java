// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Counting what a session may leave behind: fds, worker threads, guest mappings. */
final class Leaks {
  private static final Path FDS = Path.of("/proc/self/fd");

  private Leaks() {}

  static long openFds() {
    try (var s = Files.list(FDS)) {
      return s.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the open fds are (eventfd, memfd, socket, ...), for a failure message. */
  static String fdKinds() {
    Map<String, Integer> kinds = new TreeMap<>();
    try (var s = Files.list(FDS)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        try {
          kinds.merge(Files.readSymbolicLink(p).toString().replaceAll("[0-9]+", "N"), 1,
              Integer::sum);
        } catch (IOException gone) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      return e.toString();
    }
    return kinds.toString();
  }

  /**
   * Fails if more fds are open than {@code before}. A session closes its fds before its thread
   * ends, so no waiting is needed; fewer is fine (a cleaner may close an older one meanwhile).
   */
  static void assertFdsAtMost(long before) {
    long now = openFds();
    assertTrue(now <= before, () -> (now - before) + " fd(s) leaked: " + fdKinds());
  }

  static long threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .count();
  }

  /** Workers are joined before a session's serve() returns: none may be left. */
  static void assertNoSessionThreads(String prefix) {
    assertEquals(0, threadsNamed(prefix), "worker threads left behind: " + prefix);
  }

  /** The stacks of the threads named {@code prefix}..., for a failure message. */
  static String threadDump(String prefix) {
    StringBuilder b = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, stack) -> {
      if (t.getName().startsWith(prefix)) {
        b.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
        for (StackTraceElement e : stack) {
          b.append("    at ").append(e).append('\n');
        }
      }
    });
    return b.toString();
  }

  static long memfdMappings() {
    try {
      return Files.readAllLines(Path.of("/proc/self/maps")).stream()
          .filter(l -> l.contains("memfd:"))
          .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
