// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

/**
 * Keyboard input of the nested backend on its way to the guest. Every byte goes through,
 * Ctrl-C included, except QEMU's escape convention: Ctrl-A x quits the daemon, Ctrl-A Ctrl-A
 * sends one Ctrl-A; Ctrl-A followed by anything else sends both bytes.
 */
final class EscapeFilter {
  static final byte CTRL_A = 0x01;
  static final byte QUIT = 'x';

  private boolean escaped;
  private boolean quit;

  /**
   * Filters {@code src[0, len)} into {@code dst} (at least {@code len + 1} bytes: a Ctrl-A held
   * back from the previous call may come out now); returns the number of bytes for the guest.
   * After the quit sequence the rest of the input is discarded and {@link #quitRequested} is true.
   */
  int filter(byte[] src, int len, byte[] dst) {
    byte[] buf = dst;
    int out = 0;
    for (int i = 0; i < len && !quit; i++) {
      byte b = src[i];
      if (escaped) {
        escaped = false;
        if (b == QUIT) {
          quit = true;
        } else if (b == CTRL_A) {
          buf[out++] = CTRL_A;
        } else {
          buf[out++] = CTRL_A;
          buf[out++] = b;
        }
      } else if (b == CTRL_A) {
        escaped = true;
      } else {
        buf[out++] = b;
      }
    }
    return out;
  }

  boolean quitRequested() {
    return quit;
  }
}
