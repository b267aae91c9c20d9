// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.backend;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.sys.OwnedFd;
import org.vhostdevice.vhostuser.protocol.FrontendRequest;
import org.vhostdevice.vhostuser.protocol.MemoryRegionDescriptor;
import org.vhostdevice.vhostuser.protocol.MemoryTable;
import org.vhostdevice.vhostuser.protocol.Message;
import org.vhostdevice.vhostuser.protocol.Payloads;
import org.vhostdevice.vhostuser.protocol.ProtocolException;
import org.vhostdevice.vhostuser.protocol.ProtocolFeatures;
import org.vhostdevice.vhostuser.protocol.SingleMemoryRegion;

/**
 * SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG and GET_MAX_MEM_SLOTS. A new map is built beside the
 * old one and published atomically; workers finish their batch on the map they hold, and the old
 * regions are unmapped when the last of them lets go.
 */
final class MemoryRequests {
  /** Slots we report: the historic KVM limit that the Rust daemons report too. */
  static final long MAX_MEM_SLOTS = 509;

  private final BackendSession session;

  MemoryRequests(BackendSession session) {
    this.session = session;
  }

  void handle(FrontendRequest request, Message m) throws IOException {
    switch (request) {
      case SET_MEM_TABLE -> setMemTable(MemoryTable.decode(m), m);
      case ADD_MEM_REG -> {
        session.requireProtocolFeature(request, ProtocolFeatures.CONFIGURE_MEM_SLOTS);
        addRegion(SingleMemoryRegion.decode(m).region(), m);
      }
      case REM_MEM_REG -> {
        session.requireProtocolFeature(request, ProtocolFeatures.CONFIGURE_MEM_SLOTS);
        removeRegion(SingleMemoryRegion.decode(m).region());
      }
      case GET_MAX_MEM_SLOTS -> {
        session.requireProtocolFeature(request, ProtocolFeatures.CONFIGURE_MEM_SLOTS);
        session.connection.sendReply(m.code(), Payloads.encodeU64(MAX_MEM_SLOTS));
      }
      default -> throw new IllegalArgumentException(request.name());
    }
  }

  private void setMemTable(MemoryTable table, Message m) throws IOException {
    List<GuestRegion> mapped = new ArrayList<>();
    try {
      for (int i = 0; i < table.regions().size(); i++) {
        mapped.add(map(table.regions().get(i), m.takeFd(i)));
      }
      publish(GuestMemory.of(mapped));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("SET_MEM_TABLE: " + e.getMessage(), e);
    } finally {
      // The map holds its own references; ours go (on failure this unmaps everything).
      mapped.forEach(GuestRegion::release);
    }
  }

  private void addRegion(MemoryRegionDescriptor d, Message m) throws IOException {
    if (m.fdCount() != 1) {
      throw new ProtocolException("ADD_MEM_REG needs exactly one fd, got " + m.fdCount());
    }
    if (session.memory.peek().regionCount() >= MAX_MEM_SLOTS) {
      throw new ProtocolException("ADD_MEM_REG: all " + MAX_MEM_SLOTS + " slots are in use");
    }
    GuestRegion region = map(d, m.takeFd(0));
    try {
      publish(session.memory.peek().with(region));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("ADD_MEM_REG: " + e.getMessage(), e);
    } finally {
      region.release();
    }
  }

  private void removeRegion(MemoryRegionDescriptor d) throws ProtocolException {
    GuestMemory current = session.memory.peek();
    GuestRegion region = current.findExact(d.guestPhysAddr(), d.memorySize());
    if (region == null) {
      throw new ProtocolException(String.format(
          "REM_MEM_REG: no region at 0x%x of size 0x%x", d.guestPhysAddr(), d.memorySize()));
    }
    publish(current.without(region));
  }

  private static GuestRegion map(MemoryRegionDescriptor d, OwnedFd fd) throws IOException {
    // The mapping keeps the pages; the fd itself is not needed afterwards.
    try (fd) {
      return GuestRegion.map(
          d.guestPhysAddr(), d.memorySize(), d.userAddr(), d.mmapOffset(), fd);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("memory region " + d + ": " + e.getMessage(), e);
    }
  }

  private void publish(GuestMemory next) {
    session.memory.publish(next);
  }
}
