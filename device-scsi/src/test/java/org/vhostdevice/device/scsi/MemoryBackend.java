// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** An image in a byte array (the Rust tests' in-memory backend), counting syncs and holes. */
final class MemoryBackend implements BlockBackend {
  final byte[] bytes;
  private final boolean readOnly;
  int syncs;
  int holes;
  boolean failIo;

  MemoryBackend(int blocks) {
    this(new byte[blocks * BlockLun.BLOCK_SIZE], false);
  }

  MemoryBackend(byte[] bytes, boolean readOnly) {
    this.bytes = bytes;
    this.readOnly = readOnly;
  }

  /** Sector i filled with the ASCII hex digit of i (mod 16), like the Rust test image. */
  static MemoryBackend hexSectors(int blocks) {
    MemoryBackend m = new MemoryBackend(blocks);
    for (int i = 0; i < blocks; i++) {
      Arrays.fill(m.bytes, i * 512, (i + 1) * 512, (byte) Character.forDigit(i % 16, 16));
    }
    return m;
  }

  @Override
  public long size() {
    return bytes.length;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public synchronized void readFully(long position, ByteBuffer dst) throws IOException {
    check();
    if (position + dst.remaining() > bytes.length) {
      throw new EOFException("past the end");
    }
    dst.put(bytes, (int) position, dst.remaining());
  }

  @Override
  public synchronized void writeFully(long position, ByteBuffer src) throws IOException {
    check();
    if (readOnly) {
      throw new IOException("read-only");
    }
    src.get(bytes, (int) position, src.remaining());
  }

  @Override
  public synchronized void sync() throws IOException {
    check();
    syncs++;
  }

  @Override
  public synchronized boolean punchHole(long position, long length) throws IOException {
    check();
    Arrays.fill(bytes, (int) position, (int) (position + length), (byte) 0);
    holes++;
    return true;
  }

  private void check() throws IOException {
    if (failIo) {
      throw new IOException("injected I/O error");
    }
  }

  @Override
  public void close() {}
}
