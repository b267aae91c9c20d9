// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link EmulationTests} on a temporary image file through {@link FileBackend}. */
class FileImageEmulationTest extends EmulationTests {
  @TempDir Path dir;
  private Path file;

  @Override
  BlockBackend hexImage() throws Exception {
    file = Files.write(dir.resolve("disk.img"), MemoryBackend.hexSectors(BLOCKS).bytes);
    return FileBackend.open(file, false, BlockLun.BLOCK_SIZE);
  }

  @Override
  byte[] imageBytes() throws Exception {
    return Files.readAllBytes(file);
  }
}
