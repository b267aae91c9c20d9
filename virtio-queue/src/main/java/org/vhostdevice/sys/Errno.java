// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.sys;

/** The errno values this project tests for, and their symbolic names for messages. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EINTR = 4;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EFAULT = 14;
  public static final int EEXIST = 17;
  public static final int EINVAL = 22;
  public static final int EMFILE = 24;
  public static final int ENOTTY = 25;
  public static final int ENOSPC = 28;
  public static final int EPIPE = 32;
  public static final int ENOTSOCK = 88;
  public static final int EOPNOTSUPP = 95;

  private static final String[] NAMES = new String[134];

  static {
    String[][] known = {
      {"1", "EPERM"}, {"2", "ENOENT"}, {"4", "EINTR"}, {"5", "EIO"}, {"9", "EBADF"},
      {"11", "EAGAIN"}, {"12", "ENOMEM"}, {"13", "EACCES"}, {"14", "EFAULT"}, {"16", "EBUSY"},
      {"17", "EEXIST"}, {"19", "ENODEV"}, {"22", "EINVAL"}, {"23", "ENFILE"}, {"24", "EMFILE"},
      {"25", "ENOTTY"}, {"28", "ENOSPC"}, {"32", "EPIPE"}, {"38", "ENOSYS"}, {"88", "ENOTSOCK"},
      {"95", "EOPNOTSUPP"}, {"104", "ECONNRESET"}, {"110", "ETIMEDOUT"}, {"111", "ECONNREFUSED"}
    };
    for (String[] k : known) {
      NAMES[Integer.parseInt(k[0])] = k[1];
    }
  }

  private Errno() {}

  public static String describe(int errno) {
    String name = errno > 0 && errno < NAMES.length ? NAMES[errno] : null;
    return (name != null ? name : "errno") + " (" + errno + ")";
  }
}
