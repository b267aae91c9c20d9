// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.sys.NativeException;

/** An image on a file system that is full: the write fails with ENOSPC, named as such. */
class DiskFullTest {
  @TempDir Path dir;

  @Test
  void aWriteToAFullFileSystemFailsWithEnospc() throws Exception {
    try (Tmpfs fs = Tmpfs.mount(dir.resolve("mnt"), "256k");
        Arena arena = Arena.ofConfined()) {
      Path image = fs.sparse("disk.img", 1 << 20);
      try (FileBackend b = FileBackend.open(image, false, BlockLun.BLOCK_SIZE)) {
        ByteBuffer early = arena.allocate(4096, 4096).asByteBuffer();
        early.put(0, (byte) 0x77);
        b.writeFully(0, early);
        fs.fill("filler");
        // Guest buffers are direct (views of guest memory), like this one.
        ByteBuffer late = arena.allocate(64 * 1024, 4096).asByteBuffer();
        NativeException e = assertThrows(NativeException.class, () -> b.writeFully(512 * 1024, late));
        assertEquals(BlockLun.ENOSPC, e.errno(), e.toString());
        assertEquals("pwrite", e.call());
        assertSame(Sense.SPACE_ALLOCATION_FAILED, BlockLun.writeFailure(e));
        // What was written before is still there and can be read.
        ByteBuffer back = ByteBuffer.allocateDirect(4096);
        b.readFully(0, back);
        assertEquals(0x77, back.get(0));
        // Space freed: writing works again.
        Files.delete(fs.dir.resolve("filler"));
        b.writeFully(512 * 1024, late.clear());
      }
    }
  }

  @Test
  void otherWriteFailuresStayTargetFailures() {
    assertSame(Sense.TARGET_FAILURE, BlockLun.writeFailure(new IOException("Input/output error")));
    assertSame(Sense.TARGET_FAILURE, BlockLun.writeFailure(new NativeException("pwrite", 5)));
    assertSame(Sense.SPACE_ALLOCATION_FAILED,
        BlockLun.writeFailure(new NativeException("pwrite", BlockLun.EDQUOT)));
    assertArrayEquals(new int[] {7, 0x27, 7}, new int[] {Sense.SPACE_ALLOCATION_FAILED.key(),
        Sense.SPACE_ALLOCATION_FAILED.asc(), Sense.SPACE_ALLOCATION_FAILED.ascq()});
  }
}
