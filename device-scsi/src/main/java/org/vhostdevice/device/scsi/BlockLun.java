// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vhostdevice.sys.NativeException;

/**
 * A direct-access block device (SBC) of 512-byte blocks on a {@link BlockBackend}. Stateless
 * apart from its options, so every request queue runs commands on it at once.
 */
final class BlockLun implements LogicalUnit {
  private static final Logger LOG = LoggerFactory.getLogger(BlockLun.class);
  static final int BLOCK_SIZE = 512;
  private static final int BLOCK_SHIFT = 9;
  static final int ENOSPC = 28;
  static final int EDQUOT = 122;

  private static final int DPOFUA = 0x10;
  private static final int WP = 0x80;
  private static final int FUA = 0x08;
  private static final int UNMAP_BIT = 0x08;
  private static final int ANCHOR = 0x10;
  private static final int PC_CHANGEABLE = 1;
  private static final int PC_SAVED = 3;
  private static final int CACHING_PAGE_LENGTH = 0x12;
  /** Caching mode page byte 2: WCE, a volatile write cache is on (SYNCHRONIZE CACHE matters). */
  private static final int WCE = 0x04;
  private static final int UNMAP_HEADER = 8;
  private static final int UNMAP_DESCRIPTOR = 16;
  /** Thin provisioning and "unmapped blocks read as zeros" (READ CAPACITY(16) byte 14). */
  private static final int LBPME_LBPRZ = 0xC0;

  private final BlockBackend image;
  private final boolean writeProtected;
  private final boolean solidState;
  private final long blocks;
  private final AtomicLong writeFailures = new AtomicLong();

  BlockLun(BlockBackend image, boolean writeProtected, boolean solidState) {
    this.image = image;
    this.writeProtected = writeProtected || image.readOnly();
    this.solidState = solidState;
    this.blocks = image.size() >>> BLOCK_SHIFT;
  }

  long blocks() {
    return blocks;
  }

  @Override
  public Sense execute(CommandType type, ScsiCommand c) {
    byte[] cdb = c.cdb;
    if (c.crn != 0 || c.prio != 0 || c.taskAttr != 0) {
      // virtio-scsi lets us treat every task as SIMPLE; priority and CRN are advisory.
      LOG.debug("ignoring task attribute {}, priority {}, CRN {}", c.taskAttr, c.prio, c.crn);
    }
    if (Cdb.naca(type, cdb)) {
      return Sense.INVALID_FIELD_IN_CDB; // INQUIRY says NormACA is not supported
    }
    return switch (type) {
      case TEST_UNIT_READY -> null;
      case REQUEST_SENSE -> requestSense(c);
      case INQUIRY -> inquiry(c);
      case MODE_SENSE_6 -> modeSense(c, false);
      case MODE_SENSE_10 -> modeSense(c, true);
      case READ_CAPACITY_10 -> readCapacity10(c);
      case READ_CAPACITY_16 -> readCapacity16(c);
      case READ_6 -> read(c, (cdb[1] & 0x1F) << 16 | Cdb.be16(cdb, 2), length6(cdb), false);
      case READ_10 -> read(c, Cdb.be32(cdb, 2), Cdb.be16(cdb, 7), (cdb[1] & FUA) != 0);
      case READ_12 -> read(c, Cdb.be32(cdb, 2), Cdb.be32(cdb, 6), (cdb[1] & FUA) != 0);
      case READ_16 -> read(c, Cdb.be64(cdb, 2), Cdb.be32(cdb, 10), (cdb[1] & FUA) != 0);
      case WRITE_6 -> write(c, (cdb[1] & 0x1F) << 16 | Cdb.be16(cdb, 2), length6(cdb), false);
      case WRITE_10 -> write(c, Cdb.be32(cdb, 2), Cdb.be16(cdb, 7), (cdb[1] & FUA) != 0);
      case WRITE_12 -> write(c, Cdb.be32(cdb, 2), Cdb.be32(cdb, 6), (cdb[1] & FUA) != 0);
      case WRITE_16 -> write(c, Cdb.be64(cdb, 2), Cdb.be32(cdb, 10), (cdb[1] & FUA) != 0);
      case WRITE_SAME_10 -> writeSame(c, Cdb.be32(cdb, 2), Cdb.be16(cdb, 7));
      case WRITE_SAME_16 -> writeSame(c, Cdb.be64(cdb, 2), Cdb.be32(cdb, 10));
      case UNMAP -> unmap(c);
      case SYNCHRONIZE_CACHE_10 -> sync();
      case REPORT_SUPPORTED_OPERATION_CODES -> ReportOpcodes.respond(c);
      // LUN-independent: the target answers it before a LUN is chosen.
      case REPORT_LUNS -> throw new IllegalStateException("REPORT LUNS reached a LUN");
    };
  }

  /** READ(6)/WRITE(6): a transfer length of 0 means 256 blocks. */
  private static int length6(byte[] cdb) {
    int n = cdb[4] & 0xFF;
    return n == 0 ? 256 : n;
  }

  private boolean outOfRange(long lba, long count) {
    return Long.compareUnsigned(lba, blocks) > 0 || count > blocks - lba;
  }

  private Sense requestSense(ScsiCommand c) {
    if ((c.cdb[1] & 1) != 0) {
      return Sense.INVALID_FIELD_IN_CDB; // descriptor format is not supported
    }
    c.put(Sense.NO_ADDITIONAL_SENSE_INFORMATION.fixedFormat());
    return null;
  }

  private Sense inquiry(ScsiCommand c) {
    if ((c.cdb[1] & 1) == 0) {
      c.put(InquiryData.PERIPHERAL_DISK);
      InquiryData.putStandard(c);
      return null;
    }
    if (InquiryData.putVpd(c, c.cdb[2] & 0xFF, solidState)) {
      return null;
    }
    c.put(InquiryData.PERIPHERAL_DISK); // the Rust daemon sends this byte before refusing
    return Sense.INVALID_FIELD_IN_CDB;
  }

  private Sense modeSense(ScsiCommand c, boolean ten) {
    int pc = (c.cdb[2] & 0xC0) >>> 6;
    int pagesLength = CACHING_PAGE_LENGTH + 2; // one page for "Caching" and for "all pages"
    int deviceSpecific = (writeProtected ? WP : 0) | DPOFUA;
    if (ten) {
      c.putBe16(pagesLength + 6); // mode data length: the 8-byte header minus this field
      c.put(0); // medium type
      c.put(deviceSpecific);
      c.putBe16(0); // reserved, LONGLBA=0
      c.putBe16(0); // no block descriptors
    } else {
      c.put(pagesLength + 3);
      c.put(0);
      c.put(deviceSpecific);
      c.put(0);
    }
    if (pc == PC_CHANGEABLE) {
      return Sense.INVALID_FIELD_IN_CDB; // no changeable parameters
    }
    if (pc == PC_SAVED) {
      return Sense.SAVING_PARAMETERS_NOT_SUPPORTED;
    }
    c.put(Cdb.PAGE_CACHING);
    c.put(CACHING_PAGE_LENGTH);
    c.put(WCE);
    c.putZeros(CACHING_PAGE_LENGTH - 1);
    return null;
  }

  private Sense readCapacity10(ScsiCommand c) {
    if (blocks == 0) {
      return Sense.MEDIUM_NOT_PRESENT; // no last LBA to report (the Rust daemon underflows)
    }
    long last = blocks - 1;
    c.putBe32(last > 0xFFFF_FFFFL ? 0xFFFF_FFFFL : last); // too big: use READ CAPACITY(16)
    c.putBe32(BLOCK_SIZE);
    return null;
  }

  private Sense readCapacity16(ScsiCommand c) {
    if (blocks == 0) {
      return Sense.MEDIUM_NOT_PRESENT;
    }
    c.putBe64(blocks - 1);
    c.putBe32(BLOCK_SIZE);
    c.put(0); // no protection
    c.put(0); // one logical block per physical block
    c.put(LBPME_LBPRZ);
    c.put(0); // lowest aligned LBA 0
    c.putZeros(16);
    return null;
  }

  private Sense read(ScsiCommand c, long lba, long count, boolean fua) {
    if (fua) {
      // FUA on a read: what we return must be on stable storage first.
      try {
        image.sync();
      } catch (IOException e) {
        LOG.error("{}: sync before a FUA read failed: {}", image, e.toString());
        return Sense.TARGET_FAILURE;
      }
    }
    if (outOfRange(lba, count)) {
      return Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE;
    }
    long bytes = count << BLOCK_SHIFT;
    c.dataInFits(bytes);
    try {
      c.readToGuest(image, lba << BLOCK_SHIFT, bytes);
    } catch (IOException e) {
      LOG.error("{}: read of {} blocks at {} failed: {}", image, count, lba, e.toString());
      return Sense.UNRECOVERED_READ_ERROR;
    }
    return null;
  }

  private Sense write(ScsiCommand c, long lba, long count, boolean fua) {
    if (writeProtected) {
      return Sense.WRITE_PROTECTED;
    }
    if (outOfRange(lba, count)) {
      return Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE;
    }
    long bytes = count << BLOCK_SHIFT;
    if (c.dataOut().remaining() < bytes) {
      // Less data-out than the CDB announces: write nothing rather than part of it.
      return Sense.TARGET_FAILURE;
    }
    try {
      c.writeFromGuest(image, lba << BLOCK_SHIFT, bytes);
      if (fua) {
        image.sync();
      }
    } catch (IOException e) {
      logWriteFailure("write", count, lba, e);
      return writeFailure(e);
    }
    return null;
  }

  private Sense writeSame(ScsiCommand c, long lba, long count) {
    int flags = c.cdb[1];
    if ((flags & ANCHOR) != 0) {
      return Sense.INVALID_FIELD_IN_CDB; // no anchored LBAs
    }
    if (writeProtected) {
      return Sense.WRITE_PROTECTED;
    }
    if (outOfRange(lba, count)) {
      return Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE;
    }
    if (!c.readBlock()) {
      return Sense.TARGET_FAILURE;
    }
    try {
      long pos = lba << BLOCK_SHIFT;
      long bytes = count << BLOCK_SHIFT;
      // UNMAP with a zero block: a hole reads back as zeros (LBPRZ), so deallocate instead.
      if ((flags & UNMAP_BIT) != 0 && allZero(c.block()) && bytes > 0
          && image.punchHole(pos, bytes)) {
        return null;
      }
      fill(c, pos, bytes);
    } catch (IOException e) {
      logWriteFailure("WRITE SAME", count, lba, e);
      return writeFailure(e);
    }
    return null;
  }

  /**
   * Logs the first failed write and then every 1000th: a guest that keeps writing to a full disk
   * must not flood the log.
   */
  private void logWriteFailure(String what, long count, long lba, IOException e) {
    long n = writeFailures.incrementAndGet();
    if (n % 1000 == 1) {
      LOG.error("{}: {} of {} blocks at {} failed ({} failed writes so far): {}", image, what,
          count, lba, n, e.toString());
    }
  }

  /**
   * The sense for a failed write: a full file system (or quota) gets SPACE ALLOCATION FAILED, as
   * from QEMU's scsi-disk, so the guest sees ENOSPC; anything else stays a target failure.
   */
  static Sense writeFailure(IOException e) {
    if (e instanceof NativeException n && (n.errno() == ENOSPC || n.errno() == EDQUOT)) {
      return Sense.SPACE_ALLOCATION_FAILED;
    }
    return Sense.TARGET_FAILURE;
  }

  /** Writes the scratch block over {@code bytes} bytes at {@code pos}. */
  private void fill(ScsiCommand c, long pos, long bytes) throws IOException {
    ByteBuffer fill = c.fillWithBlock();
    long done = 0;
    while (done < bytes) {
      int n = (int) Math.min(fill.capacity(), bytes - done);
      image.writeFully(pos + done, fill.clear().limit(n));
      done += n;
    }
  }

  private Sense unmap(ScsiCommand c) {
    if (writeProtected) {
      return Sense.WRITE_PROTECTED;
    }
    int listLength = Cdb.be16(c.cdb, 7);
    if (listLength == 0) {
      return null; // nothing to do (SBC-4 5.31)
    }
    if (listLength < UNMAP_HEADER) {
      return Sense.PARAMETER_LIST_LENGTH_ERROR;
    }
    if (listLength > ScsiCommand.DATA_CAPACITY || !c.readParameters(listLength)) {
      return Sense.PARAMETER_LIST_LENGTH_ERROR;
    }
    byte[] p = c.parameters();
    int descriptorBytes = Math.min(Cdb.be16(p, 2), listLength - UNMAP_HEADER);
    int descriptors = descriptorBytes / UNMAP_DESCRIPTOR;
    // Check every range before touching any, so a bad list changes nothing.
    for (int i = 0; i < descriptors; i++) {
      int d = UNMAP_HEADER + i * UNMAP_DESCRIPTOR;
      if (outOfRange(Cdb.be64(p, d), Cdb.be32(p, d + 8))) {
        return Sense.LOGICAL_BLOCK_ADDRESS_OUT_OF_RANGE;
      }
    }
    try {
      for (int i = 0; i < descriptors; i++) {
        int d = UNMAP_HEADER + i * UNMAP_DESCRIPTOR;
        long pos = Cdb.be64(p, d) << BLOCK_SHIFT;
        long bytes = Cdb.be32(p, d + 8) << BLOCK_SHIFT;
        if (bytes > 0 && !image.punchHole(pos, bytes)) {
          java.util.Arrays.fill(c.block(), (byte) 0);
          fill(c, pos, bytes);
        }
      }
    } catch (IOException e) {
      LOG.error("{}: UNMAP failed: {}", image, e.toString());
      return Sense.TARGET_FAILURE;
    }
    return null;
  }

  private Sense sync() {
    try {
      image.sync();
      return null;
    } catch (IOException e) {
      LOG.error("{}: sync failed: {}", image, e.toString());
      return Sense.TARGET_FAILURE;
    }
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
