// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.memory;

/**
 * A guest address range that is not backed by guest memory (outside every region, across a hole,
 * misaligned for an atomic access). The guest or frontend supplied it, so this is bad input for
 * one request or one message, never a reason to stop the daemon.
 */
public final class GuestMemoryException extends Exception {
  private static final long serialVersionUID = 1L;

  public GuestMemoryException(String message) {
    super(message);
  }

  static GuestMemoryException unmapped(long gpa, long length) {
    return new GuestMemoryException(
        "guest range 0x" + Long.toHexString(gpa) + "+" + Long.toUnsignedString(length)
            + " is not in guest memory");
  }
}
