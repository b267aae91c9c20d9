// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.transport;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.FileDescriptorCast;
import org.vhostdevice.sys.Fds;
import org.vhostdevice.sys.OwnedFd;

/**
 * Turns the fds junixsocket received into {@link OwnedFd}s.
 *
 * <p>junixsocket remembers every fd it receives and, when the socket closes, closes each one its
 * {@link FileDescriptor} still calls valid, by number. An fd we had already closed through {@link
 * OwnedFd} still looks valid to it, so it would close whatever reused that number by then (a
 * worker's eventfd, a guest memory fd). So we keep a private duplicate and close junixsocket's
 * copy through its own FileDescriptor, which makes it invalid and drops it from that table.
 */
final class ReceivedFds {
  private ReceivedFds() {}

  /** The fds received by the last reads, as owned, close-on-exec descriptors. */
  static List<OwnedFd> take(AFUNIXSocket socket) throws IOException {
    FileDescriptor[] received = socket.getReceivedFileDescriptors();
    if (received.length == 0) {
      return List.of();
    }
    List<OwnedFd> owned = new ArrayList<>(received.length);
    IOException failure = null;
    for (FileDescriptor d : received) {
      try {
        owned.add(adopt(d));
      } catch (IOException e) {
        // Keep going: every other received fd still has to be adopted or closed.
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      closeAll(owned);
      throw failure;
    }
    return owned;
  }

  private static OwnedFd adopt(FileDescriptor d) throws IOException {
    try {
      OwnedFd fd = new OwnedFd(Fds.dup(FileDescriptorCast.using(d).as(Integer.class)));
      try {
        // dup never copies close-on-exec, whatever the received fd had.
        Fds.setCloseOnExec(fd.fd());
      } catch (IOException e) {
        fd.close();
        throw e;
      }
      return fd;
    } finally {
      forget(d);
    }
  }

  /** Closes junixsocket's copy through its FileDescriptor, the one way it stops tracking it. */
  private static void forget(FileDescriptor d) {
    try {
      new FileInputStream(d).close();
    } catch (IOException e) {
      // Linux releases the number even when close reports an error, and d is invalid now.
    }
  }

  static void closeAll(List<OwnedFd> fds) {
    fds.forEach(OwnedFd::close);
  }
}
