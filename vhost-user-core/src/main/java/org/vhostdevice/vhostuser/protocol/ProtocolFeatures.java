// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.util.StringJoiner;

/** The protocol feature word of GET/SET_PROTOCOL_FEATURES (core.md §4.2). */
public final class ProtocolFeatures {
  public static final long MQ = 1L << 0;
  public static final long LOG_SHMFD = 1L << 1;
  public static final long RARP = 1L << 2;
  public static final long REPLY_ACK = 1L << 3;
  public static final long MTU = 1L << 4;
  public static final long BACKEND_REQ = 1L << 5;
  public static final long CROSS_ENDIAN = 1L << 6;
  public static final long CRYPTO_SESSION = 1L << 7;
  public static final long PAGEFAULT = 1L << 8;
  public static final long CONFIG = 1L << 9;
  public static final long BACKEND_SEND_FD = 1L << 10;
  public static final long HOST_NOTIFIER = 1L << 11;
  public static final long INFLIGHT_SHMFD = 1L << 12;
  public static final long RESET_DEVICE = 1L << 13;
  public static final long INBAND_NOTIFICATIONS = 1L << 14;
  public static final long CONFIGURE_MEM_SLOTS = 1L << 15;
  public static final long STATUS = 1L << 16;
  public static final long XEN_MMAP = 1L << 17;
  public static final long SHARED_OBJECT = 1L << 18;
  public static final long DEVICE_STATE = 1L << 19;

  /** Names by bit number. Bits 20 and 21 are numbered differently by rust-vmm and libvhost-user. */
  private static final String[] NAMES = {
    "MQ", "LOG_SHMFD", "RARP", "REPLY_ACK", "MTU", "BACKEND_REQ", "CROSS_ENDIAN",
    "CRYPTO_SESSION", "PAGEFAULT", "CONFIG", "BACKEND_SEND_FD", "HOST_NOTIFIER",
    "INFLIGHT_SHMFD", "RESET_DEVICE", "INBAND_NOTIFICATIONS", "CONFIGURE_MEM_SLOTS", "STATUS",
    "XEN_MMAP", "SHARED_OBJECT", "DEVICE_STATE"
  };

  private ProtocolFeatures() {}

  /** The names of the bits set in {@code bits}, like {@code MQ|REPLY_ACK|bit42}; "none" for 0. */
  public static String describe(long bits) {
    if (bits == 0) {
      return "none";
    }
    StringJoiner names = new StringJoiner("|");
    for (int bit = 0; bit < Long.SIZE; bit++) {
      if ((bits & (1L << bit)) != 0) {
        names.add(bit < NAMES.length ? NAMES[bit] : "bit" + bit);
      }
    }
    return names.toString();
  }
}
