// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.vhostdevice.device.scsi.VirtioScsi.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.memory.GuestMemoryException;
import org.vhostdevice.queue.ChainTooShortException;
import org.vhostdevice.queue.DescriptorChain;
import org.vhostdevice.queue.Reader;
import org.vhostdevice.queue.Writer;
import org.vhostdevice.vhostuser.device.VirtQueue;

/**
 * One request queue: reads each virtio_scsi_cmd_req, runs its command on the target and writes
 * virtio_scsi_cmd_resp plus data-in (which starts after the whole 96-byte sense area). Owns the
 * scratch state of its worker thread, so queues run in parallel without sharing buffers.
 */
final class RequestQueue {
  private static final Logger LOG = LoggerFactory.getLogger(RequestQueue.class);
  private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
  private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;

  private final EmulatedTarget target;
  private final ScsiCommand command = new ScsiCommand();
  private final byte[] request = new byte[REQ_SIZE];
  private final MemorySegment requestSegment = MemorySegment.ofArray(request);
  private final byte[] response = new byte[RESP_SIZE];
  private final MemorySegment responseSegment = MemorySegment.ofArray(response);
  private long served;
  private long failed;

  RequestQueue(EmulatedTarget target) {
    this.target = target;
  }

  void handle(VirtQueue vq) throws Exception {
    DescriptorChain chain;
    while ((chain = vq.pop()) != null) {
      vq.addUsed(chain, serve(chain));
    }
  }

  long served() {
    return served;
  }

  /** Requests answered with FAILURE, BAD_TARGET or OVERRUN, or not answerable at all. */
  long failed() {
    return failed;
  }

  /** Serves one request; returns the used length. */
  int serve(DescriptorChain chain) {
    served++;
    Reader in = chain.reader();
    Writer out = chain.writer();
    long writable = out.remaining();
    if (writable < RESP_HEADER_SIZE) {
      failed++;
      LOG.debug("request without room for a response ({} writable bytes)", writable);
      return 0;
    }
    MemorySegment first = out.currentPiece();
    long skipped = Math.min(RESP_SIZE, writable);
    out.consume(skipped);
    command.begin(in, out);
    int code;
    Sense sense = null;
    long residual;
    if (in.remaining() < REQ_SIZE) {
      code = S_FAILURE;
      residual = out.remaining();
    } else {
      readRequest(in);
      int addr = LunAddress.decode(request, REQ_LUN);
      if (addr == LunAddress.INVALID) {
        LOG.debug("unsupported LUN format {}", request[REQ_LUN]);
        code = S_FAILURE;
        residual = out.remaining();
      } else if (addr == LunAddress.REPORT_LUNS || LunAddress.target(addr) != 0) {
        code = S_BAD_TARGET;
        residual = out.remaining();
      } else {
        command.taskAttr = request[REQ_TASK_ATTR] & 0xFF;
        command.prio = request[REQ_PRIO] & 0xFF;
        command.crn = request[REQ_CRN] & 0xFF;
        System.arraycopy(request, REQ_CDB, command.cdb, 0, CDB_SIZE);
        command.cdbLength = CDB_SIZE;
        try {
          sense = target.execute(LunAddress.lun(addr), command);
          if (command.overrun()) {
            code = S_OVERRUN;
            sense = null;
            residual = 0;
          } else {
            code = S_OK;
            residual = out.remaining();
          }
        } catch (Cdb.TooShortException e) {
          code = S_FAILURE; // cannot happen with 32-byte CDBs
          residual = out.remaining();
        }
      }
    }
    if (code != S_OK) {
      failed++;
    }
    int senseLength = sense == null ? 0 : Sense.FIXED_SIZE;
    int headerLength = RESP_HEADER_SIZE + senseLength;
    buildResponse(code, sense, residual);
    writeResponse(chain, first, Math.min(headerLength, writable));
    // The skipped sense area counts as written, as in the Rust daemon: used = 108 + data-in.
    long used = Math.max(headerLength, skipped + command.dataInBytes());
    return (int) Math.min(used, writable);
  }

  private void readRequest(Reader in) {
    try {
      in.readFully(requestSegment);
    } catch (ChainTooShortException e) {
      throw new AssertionError("the length was checked", e);
    }
  }

  private void buildResponse(int code, Sense sense, long residual) {
    int senseLength = sense == null ? 0 : Sense.FIXED_SIZE;
    responseSegment.set(U32, RESP_SENSE_LEN, senseLength);
    responseSegment.set(U32, RESP_RESIDUAL, (int) Math.min(residual, 0xFFFF_FFFFL));
    responseSegment.set(U16, RESP_STATUS_QUALIFIER, (short) 0);
    response[RESP_STATUS] = (byte) (sense == null ? ScsiStatus.GOOD : ScsiStatus.CHECK_CONDITION);
    response[RESP_RESPONSE] = (byte) code;
    if (sense != null) {
      System.arraycopy(sense.fixedFormat(), 0, response, RESP_SENSE, senseLength);
    }
  }

  /**
   * Writes the response header (and sense) at the start of the writable buffers: in one copy when
   * the first writable piece holds it (what drivers do), else across descriptors.
   */
  private void writeResponse(DescriptorChain chain, MemorySegment first, long length) {
    if (first.byteSize() >= length) {
      MemorySegment.copy(responseSegment, 0, first, 0, length);
      return;
    }
    long done = 0;
    for (int i = 0; i < chain.descriptorCount() && done < length; i++) {
      if (!chain.descriptorWritable(i)) {
        continue;
      }
      long n = Math.min(Integer.toUnsignedLong(chain.descriptorLen(i)), length - done);
      try {
        chain.memory().write(chain.descriptorAddr(i), responseSegment.asSlice(done, n));
      } catch (GuestMemoryException e) {
        LOG.warn("cannot write a response header: {}", e.getMessage());
        return;
      }
      done += n;
    }
  }
}
