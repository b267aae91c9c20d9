// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.vhostdevice.device.scsi.VirtioScsi.*;

import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * The control queue: task management functions and asynchronous-notification queries, answered
 * at once as virtio spec 5.6.6.2 describes. The Rust daemon never completes these, so a guest
 * whose command timed out waits forever for its abort. Our commands complete synchronously on
 * their queue's worker, so there is never a task left to abort: aborts, resets and queries report
 * FUNCTION COMPLETE; CLEAR ACA is rejected (NACA is not supported); no events are offered.
 */
final class ControlQueue {
  private static final Logger LOG = LoggerFactory.getLogger(ControlQueue.class);
  private static final int TMF_RESP_SIZE = 1;

  private final int lunCount;
  private final byte[] lun = new byte[8];
  private final MemorySegment lunSegment = MemorySegment.ofArray(lun);

  ControlQueue(int lunCount) {
    this.lunCount = lunCount;
  }

  void handle(VirtQueue vq) throws Exception {
    DescriptorChain chain;
    while ((chain = vq.pop()) != null) {
      vq.addUsed(chain, serve(chain));
    }
  }

  /** Answers one control request; returns the used length. */
  int serve(DescriptorChain chain) {
    Reader in = chain.reader();
    Writer out = chain.writer();
    try {
      if (in.remaining() < 4) {
        return failure(out);
      }
      int type = in.readU32();
      if (type == T_TMF) {
        if (in.remaining() < TMF_REQ_SIZE - 4 || out.remaining() < TMF_RESP_SIZE) {
          return failure(out);
        }
        int subtype = in.readU32();
        in.readFully(lunSegment);
        out.writeU8(taskManagement(subtype));
        return TMF_RESP_SIZE;
      }
      if (type == T_AN_QUERY || type == T_AN_SUBSCRIBE) {
        if (in.remaining() < AN_REQ_SIZE - 4 || out.remaining() < AN_RESP_SIZE) {
          return failure(out);
        }
        in.readFully(lunSegment);
        int requested = in.readU32();
        LOG.debug("async notification {} for events {}: none supported", type, requested);
        out.writeU32(0); // event_actual: we report no asynchronous events
        out.writeU8(S_OK);
        return AN_RESP_SIZE;
      }
      LOG.debug("unknown control request type {}", type);
      return failure(out);
    } catch (ChainTooShortException e) {
      throw new AssertionError("lengths were checked", e);
    }
  }

  /** The response code of a TMF for the LUN in {@link #lun}. */
  private int taskManagement(int subtype) {
    int addr = LunAddress.decode(lun, 0);
    if (addr < 0 || LunAddress.target(addr) != 0) {
      return S_BAD_TARGET;
    }
    if (subtype != TMF_I_T_NEXUS_RESET && LunAddress.lun(addr) >= lunCount) {
      return S_INCORRECT_LUN;
    }
    return switch (subtype) {
      case TMF_ABORT_TASK, TMF_ABORT_TASK_SET, TMF_CLEAR_TASK_SET, TMF_I_T_NEXUS_RESET,
          TMF_LOGICAL_UNIT_RESET, TMF_QUERY_TASK, TMF_QUERY_TASK_SET -> S_FUNCTION_COMPLETE;
      default -> S_FUNCTION_REJECTED; // CLEAR ACA and anything newer
    };
  }

  /** FAILURE in the first writable byte, if there is one. */
  private static int failure(Writer out) throws ChainTooShortException {
    if (out.remaining() < 1) {
      return 0;
    }
    out.writeU8(S_FAILURE);
    return 1;
  }
}
