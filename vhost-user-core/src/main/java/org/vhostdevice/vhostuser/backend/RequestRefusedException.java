// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

/**
 * A well-formed request the device declined (a config write to a read-only field, a config
 * access out of range). Unlike a protocol error the session goes on: the frontend gets a failure
 * ack if it asked for one.
 */
final class RequestRefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  RequestRefusedException(String message) {
    super(message);
  }
}
