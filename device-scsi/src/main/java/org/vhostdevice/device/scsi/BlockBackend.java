// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The storage behind one LUN: a byte-addressed image of {@link #size()} bytes. Positional and
 * thread-safe, because every request queue's worker uses it at once. Transfers move straight
 * between the image and {@code ByteBuffer} views of guest memory.
 */
interface BlockBackend extends Closeable {
  /** Image size in bytes, fixed while the daemon runs (a multiple of the block size). */
  long size();

  boolean readOnly();

  /** Fills {@code dst} from {@code position}; an image shorter than asked for is an error. */
  void readFully(long position, ByteBuffer dst) throws IOException;

  /** Writes all of {@code src} at {@code position}. */
  void writeFully(long position, ByteBuffer src) throws IOException;

  /** Makes written data durable (fdatasync). */
  void sync() throws IOException;

  /**
   * Deallocates {@code length} bytes at {@code position}, which then read as zeros. Returns false
   * when the image cannot punch holes (the caller then writes zeros).
   */
  boolean punchHole(long position, long length) throws IOException;
}
