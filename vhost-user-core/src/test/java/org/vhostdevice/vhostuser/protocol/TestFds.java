// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.protocol;

import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.sys.Memfd;
import org.vhostdevice.sys.NativeException;
import org.vhostdevice.sys.OwnedFd;

/** Real descriptors to attach to messages in tests. */
final class TestFds {
  private TestFds() {}

  static OwnedFd fresh() throws NativeException {
    return Memfd.create("vhost-user-test", 4096);
  }

  static List<OwnedFd> fresh(int n) throws NativeException {
    List<OwnedFd> fds = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fds.add(fresh());
    }
    return fds;
  }
}
