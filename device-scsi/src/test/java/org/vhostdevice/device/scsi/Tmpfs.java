// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted for one test, to run an image's file system full for real. Needs root
 * (or CAP_SYS_ADMIN); the test is skipped, with the reason, where mounting is refused.
 */
final class Tmpfs implements AutoCloseable {
  final Path dir;

  private Tmpfs(Path dir) {
    this.dir = dir;
  }

  static Tmpfs mount(Path dir, String size) throws Exception {
    Files.createDirectories(dir);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs",
        dir.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    Assumptions.assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here: " + out.trim());
    return new Tmpfs(dir);
  }

  /** A sparse file of {@code bytes} bytes: it takes no space until written. */
  Path sparse(String name, long bytes) throws IOException {
    Path p = dir.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return p;
  }

  /** Writes a file until the file system is full; returns it (delete it to free the space). */
  Path fill(String name) throws IOException {
    Path p = dir.resolve(name);
    byte[] chunk = new byte[4096];
    try (var out = Files.newOutputStream(p)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      if (!String.valueOf(full.getMessage()).contains("space")) {
        throw full;
      }
    }
    return p;
  }

  @Override
  public void close() throws Exception {
    new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor();
  }
}
