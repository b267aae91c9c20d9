// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.NativeException;

/**
 * A raw image file. Reads and writes are positional {@link FileChannel} calls on buffers that
 * are views of guest memory, so the data goes from the page cache to the guest in one copy (the
 * kernel's). A read-only image is opened read-only. Hole punching uses a second descriptor.
 */
final class FileBackend implements BlockBackend {
  private final Path path;
  private final FileChannel channel;
  private final boolean readOnly;
  private final long size;
  /** The descriptor fallocate(2) works on; -1 when read-only. */
  private final int punchFd;

  private FileBackend(Path path, FileChannel channel, boolean readOnly, long size, int punchFd) {
    this.path = path;
    this.channel = channel;
    this.readOnly = readOnly;
    this.size = size;
    this.punchFd = punchFd;
  }

  /**
   * Opens {@code path}, read-only if {@code readOnly}.
   *
   * @throws ImageException when it cannot be opened or its size is not a multiple of {@code
   *     blockSize}
   */
  static FileBackend open(Path path, boolean readOnly, int blockSize) throws ImageException {
    FileChannel ch;
    try {
      ch = readOnly
          ? FileChannel.open(path, StandardOpenOption.READ)
          : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException | UnsupportedOperationException e) {
      throw new ImageException(path, "cannot open" + (readOnly ? " read-only" : " read-write")
          + ": " + e.getMessage(), e);
    }
    int fd = -1;
    try {
      long size = ch.size();
      if (size % blockSize != 0) {
        throw new ImageException(path, "size " + size + " is not a multiple of the "
            + blockSize + "-byte block size");
      }
      if (!readOnly) {
        fd = Fallocate.openReadWrite(path);
      }
      return new FileBackend(path, ch, readOnly, size, fd);
    } catch (IOException e) {
      Fds.closeQuietly(fd);
      try {
        ch.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e instanceof ImageException ie ? ie : new ImageException(path, e.getMessage(), e);
    }
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    long pos = position;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, pos);
      if (n < 0) {
        throw new EOFException(path + " ends at " + pos);
      }
      pos += n;
    }
  }

  @Override
  public void writeFully(long position, ByteBuffer src) throws IOException {
    long pos = position;
    while (src.hasRemaining()) {
      try {
        pos += channel.write(src, pos);
      } catch (IOException e) {
        pos += rewriteForErrno(src, pos, e);
      }
    }
  }

  /**
   * Repeats a write that FileChannel failed with pwrite(2) on the second descriptor, because
   * FileChannel's exception has no errno and a full disk (ENOSPC) must be told apart from other
   * failures. Only runs on the error path. Returns what the repeat wrote if it succeeded.
   *
   * @throws NativeException with the errno when the repeat fails too; {@code first} otherwise
   *     when there is no descriptor or buffer to repeat with
   */
  private long rewriteForErrno(ByteBuffer src, long pos, IOException first) throws IOException {
    if (punchFd < 0 || !src.isDirect()) {
      throw first;
    }
    try {
      long n = Fallocate.pwrite(punchFd, MemorySegment.ofBuffer(src), pos);
      src.position(src.position() + (int) n);
      return n;
    } catch (NativeException e) {
      e.addSuppressed(first);
      throw e;
    }
  }

  @Override
  public void sync() throws IOException {
    channel.force(false);
  }

  @Override
  public boolean punchHole(long position, long length) throws IOException {
    if (punchFd < 0) {
      throw new IOException(path + " is read-only");
    }
    return Fallocate.punchHole(punchFd, position, length);
  }

  @Override
  public void close() throws IOException {
    Fds.closeQuietly(punchFd);
    channel.close();
  }

  @Override
  public String toString() {
    return path + (readOnly ? " (read-only)" : "");
  }
}
