// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One VM served by the daemon: its vhost-user socket and guest CID, and the host side its
 * connections go to — either the hybrid-vsock Unix socket {@code udsPath} or AF_VSOCK
 * forwarding to {@code forwardCid} (with host listeners on {@code forwardListen}).
 *
 * @param forwardCid the forwarding CID, or -1 for the Unix-socket backend
 */
public record VmConfig(
    long guestCid,
    Path socket,
    Path udsPath,
    long forwardCid,
    List<Integer> forwardListen,
    int txBufferSize,
    int queueSize,
    Set<String> groups) {
  public static final long DEFAULT_GUEST_CID = 3;
  public static final int DEFAULT_TX_BUFFER_SIZE = 65536;
  public static final int DEFAULT_QUEUE_SIZE = 1024;
  public static final String DEFAULT_GROUP = "default";
  /** CIDs 0..2 are the hypervisor, local and host addresses; 0xFFFFFFFF is VMADDR_CID_ANY. */
  static final long FIRST_GUEST_CID = 3;
  static final long MAX_QUEUE_SIZE = 32768;

  public VmConfig {
    forwardListen = List.copyOf(forwardListen);
    groups = Set.copyOf(groups);
  }

  public boolean forwarding() {
    return forwardCid >= 0;
  }

  /** Collects optional keys in any order, then checks and builds the config. */
  static final class Builder {
    Long guestCid;
    Path socket;
    Path udsPath;
    Long forwardCid;
    String forwardListen;
    Long txBufferSize;
    Long queueSize;
    String groups;

    VmConfig build() throws VmConfigException {
      if (socket == null) {
        throw new VmConfigException("Required key not found: socket");
      }
      if (udsPath == null && forwardCid == null) {
        throw new VmConfigException("Required key not found: uds-path or forward-cid");
      }
      if (udsPath != null && forwardCid != null) {
        throw new VmConfigException("Only one of uds-path or forward-cid can be provided");
      }
      if (forwardListen != null && forwardCid == null) {
        throw new VmConfigException("forward-listen needs forward-cid");
      }
      long cid = guestCid == null ? DEFAULT_GUEST_CID : guestCid;
      if (cid < FIRST_GUEST_CID || cid >= 0xFFFF_FFFFL) {
        throw new VmConfigException("guest-cid " + cid + " is not a guest CID (3..4294967294)");
      }
      long fwd = forwardCid == null ? -1 : forwardCid;
      if (forwardCid != null && (fwd < 0 || fwd > 0xFFFF_FFFFL)) {
        throw new VmConfigException("forward-cid " + fwd + " does not fit in 32 bits");
      }
      long tx = txBufferSize == null ? DEFAULT_TX_BUFFER_SIZE : txBufferSize;
      if (tx < 1 || tx > Integer.MAX_VALUE) {
        throw new VmConfigException("tx-buffer-size " + tx + " is not in 1..2147483647");
      }
      long qs = queueSize == null ? DEFAULT_QUEUE_SIZE : queueSize;
      if (qs < 1 || qs > MAX_QUEUE_SIZE || Long.bitCount(qs) != 1) {
        // The Rust daemon passes any value to the frontend; virtio requires a power of two.
        throw new VmConfigException("queue-size " + qs + " is not a power of two in 1..32768");
      }
      return new VmConfig(cid, socket, udsPath, fwd, parsePorts(forwardListen), (int) tx, (int) qs,
          parseGroups(groups));
    }
  }

  /** {@code p1+p2+...} as 32-bit vsock ports; a bad entry is an error naming it. */
  static List<Integer> parsePorts(String list) throws VmConfigException {
    List<Integer> ports = new ArrayList<>();
    if (list == null) {
      return ports;
    }
    for (String p : list.trim().split("\\+", -1)) {
      String t = p.trim();
      long v;
      try {
        v = Long.parseLong(t);
      } catch (NumberFormatException e) {
        throw new VmConfigException("forward-listen: '" + t + "' is not a port number");
      }
      if (v < 0 || v > 0xFFFF_FFFEL) {
        throw new VmConfigException("forward-listen: port " + v + " is out of range");
      }
      ports.add((int) v);
    }
    return ports;
  }

  /** {@code a+b+...} group names; the default is the single group "default". */
  static Set<String> parseGroups(String list) throws VmConfigException {
    Set<String> groups = new LinkedHashSet<>();
    String s = list == null ? DEFAULT_GROUP : list.trim();
    for (String g : s.split("\\+", -1)) {
      String t = g.trim();
      if (t.isEmpty()) {
        throw new VmConfigException("groups: empty group name in '" + s + "'");
      }
      groups.add(t);
    }
    return groups;
  }

  /** An unsigned integer option value, or an error naming the key. */
  static long parseUnsigned(String key, String value) throws VmConfigException {
    try {
      long v = Long.parseLong(value.trim());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new VmConfigException("Unable to convert string to integer: " + key + "=" + value);
    }
  }
}
