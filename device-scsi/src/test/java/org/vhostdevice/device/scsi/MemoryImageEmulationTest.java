// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/** {@link EmulationTests} on an in-memory image. */
class MemoryImageEmulationTest extends EmulationTests {
  private MemoryBackend memory;

  @Override
  BlockBackend hexImage() {
    memory = MemoryBackend.hexSectors(BLOCKS);
    return memory;
  }

  @Override
  byte[] imageBytes() {
    return memory.bytes.clone();
  }
}
