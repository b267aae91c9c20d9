// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

/** A request's buffers hold fewer bytes than the device needs to read or write. */
public final class ChainTooShortException extends Exception {
  private static final long serialVersionUID = 1L;

  public ChainTooShortException(long needed, long remaining) {
    super("needs " + needed + " bytes, buffers have " + remaining + " left");
  }
}
