// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening images: sizes, read-only files, hole punching. */
class FileBackendTest {
  @TempDir Path dir;

  @Test
  void devNullIsAnEmptyImage() throws Exception {
    try (FileBackend b = FileBackend.open(Path.of("/dev/null"), false, 512)) {
      assertEquals(0, b.size());
    }
  }

  @Test
  void aSizeThatIsNotAMultipleOf512IsAClearError() throws Exception {
    Path p = Files.write(dir.resolve("odd.img"), new byte[1000]);
    ImageException e = assertThrows(ImageException.class, () -> FileBackend.open(p, false, 512));
    assertTrue(e.getMessage().contains("not a multiple of the 512-byte block size"), e.getMessage());
  }

  @Test
  void aMissingImageIsAClearError() {
    ImageException e = assertThrows(ImageException.class,
        () -> FileBackend.open(dir.resolve("nope.img"), false, 512));
    assertTrue(e.getMessage().contains("nope.img"), e.getMessage());
  }

  @Test
  void aReadOnlyFileOpensWithReadOnly() throws Exception {
    Path p = Files.write(dir.resolve("ro.img"), new byte[1024]);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r--r--r--"));
    Assumptions.assumeFalse(Files.isWritable(p), "running as a user who can write anyway");
    assertThrows(ImageException.class, () -> FileBackend.open(p, false, 512));
    try (FileBackend b = FileBackend.open(p, true, 512)) {
      assertTrue(b.readOnly());
      ByteBuffer dst = ByteBuffer.allocateDirect(512);
      b.readFully(512, dst);
      assertFalse(dst.hasRemaining());
    }
  }

  @Test
  void punchingAHoleZeroesTheRangeAndKeepsTheSize() throws Exception {
    byte[] ones = new byte[64 * 1024];
    java.util.Arrays.fill(ones, (byte) 1);
    Path p = Files.write(dir.resolve("holes.img"), ones);
    try (FileBackend b = FileBackend.open(p, false, 512)) {
      boolean punched = b.punchHole(8192, 16384);
      Assumptions.assumeTrue(punched, "this file system cannot punch holes");
    }
    byte[] after = Files.readAllBytes(p);
    assertEquals(ones.length, after.length);
    assertArrayEquals(new byte[16384], java.util.Arrays.copyOfRange(after, 8192, 24576));
    assertEquals(1, after[8191]);
    assertEquals(1, after[24576]);
  }

  @Test
  void readingPastTheEndOfAShrunkImageFails() throws Exception {
    Path p = Files.write(dir.resolve("short.img"), new byte[1024]);
    try (FileBackend b = FileBackend.open(p, true, 512)) {
      assertThrows(java.io.EOFException.class,
          () -> b.readFully(1024, ByteBuffer.allocate(512)));
    }
  }
}
