// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.rng;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.sys.Fds;

/**
 * The host's entropy source (a file, /dev/urandom by default), shared by every guest of the
 * daemon. Bytes go straight from the file into guest memory; the lock is fair and held for at
 * most {@link #CHUNK} bytes at a time, so one guest asking for a lot cannot starve the others.
 *
 * <p>The source is opened non-blocking (see {@link SourceFd}), so a FIFO or device with nothing
 * to give answers {@link #NOTHING_NOW} instead of parking the caller. A regular file that runs
 * out stays at its end ({@link #fill} returns 0): it is not rewound, like the Rust daemon.
 * State changes (ran dry, delivers again, exhausted) are logged here once for the whole daemon,
 * not once per request or per guest.
 */
public final class EntropySource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EntropySource.class);
  static final int CHUNK = 64 * 1024;
  /** {@link #fill}'s answer when the source has nothing right now but may have later. */
  public static final int NOTHING_NOW = -1;
  private static final long NOT_DRY = Long.MIN_VALUE;

  private final Path path;
  private final boolean regularFile;
  private final ReentrantLock lock = new ReentrantLock(true);
  /** -1 once closed; only changed under {@link #lock}. */
  private int fd;
  private final AtomicLong drySince = new AtomicLong(NOT_DRY);
  private final AtomicBoolean exhaustedLogged = new AtomicBoolean();

  private EntropySource(Path path, boolean regularFile, int fd) {
    this.path = path;
    this.regularFile = regularFile;
    this.fd = fd;
  }

  public static EntropySource open(Path path) throws IOException {
    boolean regular = Files.isRegularFile(path);
    return new EntropySource(path, regular, SourceFd.openNonBlocking(path));
  }

  public Path path() {
    return path;
  }

  /** True for a regular file, whose end is final; FIFOs and devices may deliver again. */
  public boolean regularFile() {
    return regularFile;
  }

  /**
   * Reads up to {@code max} bytes into the writable buffers of a request, consuming what it
   * wrote. Returns the count (short when the source had less), 0 when a regular file is at its
   * end, or {@link #NOTHING_NOW} when a FIFO or device has nothing now (no data yet, or its
   * writer went away: a new writer may come).
   *
   * @throws IOException when the read fails before any byte was written (a failure after some
   *     bytes returns those bytes; the next call sees it again)
   */
  public int fill(Writer out, int max) throws IOException {
    int done = 0;
    long last = 1;
    while (done < max) {
      MemorySegment piece = out.currentPiece();
      if (piece.byteSize() == 0) {
        break;
      }
      int want = (int) Math.min(Math.min(piece.byteSize(), max - done), CHUNK);
      try {
        last = read(piece, want);
      } catch (IOException e) {
        if (done > 0) {
          return done;
        }
        throw e;
      }
      if (last <= 0) {
        break; // -1: nothing now (EAGAIN); 0: end of file or no writer
      }
      out.consume((int) last);
      done += (int) last;
    }
    if (done > 0 || max == 0) {
      return done;
    }
    return last == 0 && regularFile ? 0 : NOTHING_NOW;
  }

  private long read(MemorySegment piece, int want) throws IOException {
    lock.lock();
    try {
      if (fd < 0) {
        throw new IOException(path + " is closed");
      }
      return Fds.read(fd, piece, want);
    } finally {
      lock.unlock();
    }
  }

  /** Logs, once per dry spell for the whole daemon, that requests now wait for the source. */
  void noteDry(IOException failure) {
    if (drySince.compareAndSet(NOT_DRY, System.nanoTime())) {
      if (failure != null) {
        LOG.error("rng: reading {} failed: {}; requests wait in the queue and the read is retried"
            + " (at least once a second) until it works again", path, failure.getMessage());
      } else {
        LOG.warn("rng: {} has no data (its writer closed it, or has not written yet); requests"
            + " wait in the queue and the read is retried (at least once a second)", path);
      }
    }
  }

  /** Logs the end of a dry spell, once. */
  void noteDelivering() {
    long since = drySince.get();
    if (since != NOT_DRY && drySince.compareAndSet(since, NOT_DRY)) {
      LOG.info("rng: {} delivers again after {} ms", path, (System.nanoTime() - since) / 1_000_000);
    }
  }

  /** Logs, once, that a regular file is used up. */
  void noteExhausted() {
    if (exhaustedLogged.compareAndSet(false, true)) {
      LOG.warn("rng: {} is at its end; it is not rewound, so requests are answered with 0 bytes"
          + " from now on", path);
    }
  }

  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (fd >= 0) {
        int closing = fd;
        fd = -1;
        Fds.close(closing);
      }
    } finally {
      lock.unlock();
    }
  }
}
