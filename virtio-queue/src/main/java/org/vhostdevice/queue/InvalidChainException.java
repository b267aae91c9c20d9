// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

/**
 * One request's descriptor chain is malformed (a loop, an index out of range, nested indirect
 * tables, a buffer outside guest memory, ...). Its head was consumed from the available ring, so
 * the caller returns it with used length 0 and goes on with the next request.
 */
public final class InvalidChainException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int head;

  public InvalidChainException(int head, String message) {
    super("chain at head " + head + ": " + message);
    this.head = head;
  }

  /** The head index taken from the available ring (may be ≥ the ring size if that was the fault). */
  public int head() {
    return head;
  }
}
