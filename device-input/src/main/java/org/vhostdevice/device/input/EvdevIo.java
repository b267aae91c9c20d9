// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The system calls an event device is reached through. {@link LinuxEvdevIo} makes them; tests
 * put a fake behind the same interface that answers the ioctls with pattern data, so {@link
 * Evdev}'s request numbers and decoding are what is tested.
 */
interface EvdevIo {
  /** Opens {@code path} non-blocking, read-write if allowed, else read-only; returns the fd. */
  int open(String path) throws IOException;

  /** ioctl with a pointer argument; returns the ioctl's non-negative result. */
  int ioctl(int fd, int request, MemorySegment arg) throws IOException;

  /** ioctl with an int argument (EVIOCGRAB). */
  int ioctl(int fd, int request, int arg) throws IOException;

  /** Reads up to {@code len} bytes; -1 when nothing is there (EAGAIN), 0 at end. */
  long read(int fd, MemorySegment dst, long len) throws IOException;

  long write(int fd, MemorySegment src, long len) throws IOException;

  void close(int fd);
}
