// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue;

/**
 * Random descriptor tables (loops, wild indices, lengths and flags, indirect tables pointing
 * anywhere): popping either yields a chain within the limits or reports that one request as
 * malformed. Nothing else is thrown, nothing hangs, and every head is consumed exactly once.
 */
class RandomChainTest {
  static final long RAM = 0x1_0000;
  static final int SIZE = 32;
  final FakeRam ram = new FakeRam(RAM, 0x20000);

  @AfterEach
  void close() {
    ram.close();
  }

  private static long randomAddress(Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> r.nextLong();
      case 1 -> RAM + r.nextInt(0x20000);
      case 2 -> RAM + 0x10000 + 16L * r.nextInt(64);
      case 3 -> RAM + 0x20000 - r.nextInt(32);
      default -> RAM + 0x8000;
    };
  }

  @Test
  void twoThousandRandomTablesNeverBreakThePopper() throws Exception {
    Random r = new Random(20261125);
    DescriptorChain chain = new DescriptorChain();
    for (int round = 0; round < 2000; round++) {
      DriverQueue driver = DriverQueue.layout(ram.memory, SIZE, RAM);
      SplitQueue queue = new SplitQueue(SIZE);
      queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
      for (int i = 0; i < SIZE; i++) {
        int flags = r.nextInt(8);
        int len = r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(256);
        driver.writeDescriptor(i, randomAddress(r), len, flags, r.nextInt(4) == 0 ? r.nextInt(0x10000) : r.nextInt(SIZE));
      }
      // Random indirect tables in the middle of RAM.
      for (int i = 0; i < 64; i++) {
        long off = 0x10000 + 16L * i;
        ram.at(RAM + off, 16).set(GuestLayouts.U64, 0, randomAddress(r));
        ram.at(RAM + off, 16).set(GuestLayouts.U32, 8, r.nextInt(512));
        ram.at(RAM + off, 16).set(GuestLayouts.U16, 12, (short) r.nextInt(8));
        ram.at(RAM + off, 16).set(GuestLayouts.U16, 14, (short) r.nextInt(80));
      }
      int heads = 1 + r.nextInt(SIZE);
      for (int i = 0; i < heads; i++) {
        driver.publish(r.nextInt(8) == 0 ? r.nextInt(0x10000) : r.nextInt(SIZE));
      }
      int seen = 0;
      while (true) {
        try {
          if (!queue.pop(ram.memory, chain)) {
            break;
          }
          assertTrue(chain.descriptorCount() <= SIZE + DescriptorChain.MAX_INDIRECT_ENTRIES);
          assertTrue(chain.readableBytes() + chain.writableBytes() <= 0xFFFF_FFFFL);
          chain.reader().skip(chain.reader().remaining());
          chain.writer().skip(chain.writer().remaining());
        } catch (InvalidChainException e) {
          // that request alone is bad
        } catch (RuntimeException e) {
          fail("round " + round + ": " + e);
        }
        seen++;
      }
      assertEquals(heads, seen, "every head is consumed exactly once");
    }
  }
}
