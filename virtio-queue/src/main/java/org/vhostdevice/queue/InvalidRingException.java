// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

/**
 * The ring itself is unusable (misaligned or unmapped rings, an available index running more than
 * a ring's length ahead). Unlike a bad chain this cannot be answered request by request: the
 * queue stops until the frontend programs it again.
 */
public final class InvalidRingException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidRingException(String message) {
    super(message);
  }
}
