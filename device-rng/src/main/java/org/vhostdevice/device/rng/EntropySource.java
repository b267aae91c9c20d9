// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import org.vhostdevice.queue.Writer;

/**
 * The host's entropy source (a file, /dev/urandom by default), shared by every guest of the
 * daemon. Bytes go straight from the file into guest memory; the lock is fair and held for at
 * most {@link #CHUNK} bytes at a time, so one guest asking for a lot cannot starve the others.
 */
public final class EntropySource implements AutoCloseable {
  static final int CHUNK = 64 * 1024;

  private final Path path;
  private final FileChannel channel;
  private final ReentrantLock lock = new ReentrantLock(true);

  private EntropySource(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  public static EntropySource open(Path path) throws IOException {
    return new EntropySource(path, FileChannel.open(path, StandardOpenOption.READ));
  }

  public Path path() {
    return path;
  }

  /**
   * Reads up to {@code max} bytes into the writable buffers of a request, consuming what it
   * wrote. Returns the count, which is short only at end of file (a regular file runs out; the
   * Rust daemon does not rewind either).
   */
  public int fill(Writer out, int max) throws IOException {
    int done = 0;
    while (done < max) {
      MemorySegment piece = out.currentPiece();
      if (piece.byteSize() == 0) {
        break;
      }
      int want = (int) Math.min(Math.min(piece.byteSize(), max - done), CHUNK);
      int got = readFully(piece.asSlice(0, want).asByteBuffer());
      out.consume(got);
      done += got;
      if (got < want) {
        break; // end of file
      }
    }
    return done;
  }

  private int readFully(ByteBuffer dst) throws IOException {
    lock.lock();
    try {
      int total = 0;
      while (dst.hasRemaining()) {
        int n = channel.read(dst);
        if (n <= 0) {
          break;
        }
        total += n;
      }
      return total;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
