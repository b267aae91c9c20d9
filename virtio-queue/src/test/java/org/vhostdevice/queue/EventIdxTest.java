// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;

/**
 * EVENT_IDX decisions against a brute-force model: notify iff used_event is one of the indices
 * the batch just moved past, i.e. event ∈ {old, old+1, …, new−1} (mod 2^16). Checked for every
 * used_event value at positions that cross the u16 wrap.
 */
class EventIdxTest {
  private static final long RAM = 0x1_0000;
  private final FakeRam ram = new FakeRam(RAM, 0x10000);

  @AfterEach
  void close() {
    ram.close();
  }

  static boolean model(int event, int oldIdx, int n) {
    for (int k = 0; k < n; k++) {
      if (((oldIdx + k) & 0xFFFF) == event) {
        return true;
      }
    }
    return false;
  }

  @Test
  void theWindowTestMatchesTheModelForEveryEventValueAcrossTheWrap() {
    int[] starts = {0, 1, 100, 32767, 32768, 65520, 65530, 65535};
    for (int old : starts) {
      for (int n = 1; n <= 20; n++) {
        int now = (old + n) & 0xFFFF;
        for (int event = 0; event <= 0xFFFF; event++) {
          assertEquals(model(event, old, n), SplitQueue.needsEvent(event, now, old),
              "event " + event + " old " + old + " n " + n);
        }
      }
    }
  }

  @Test
  void publishUsedDecidesOncePerBatchLikeTheModel() throws Exception {
    int[] starts = {65530, 65535, 0, 12};
    int[] events = {65529, 65530, 65533, 65535, 0, 1, 2, 5, 11, 12, 13, 20, 30000};
    for (int old : starts) {
      for (int n : new int[] {1, 3, 7}) {
        for (int event : events) {
          DriverQueue driver = DriverQueue.layout(ram.memory, 16, RAM);
          SplitQueue queue = new SplitQueue(16);
          queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
          queue.setEventIdx(true);
          queue.setNextAvail(old);
          queue.setNextUsed(old);
          driver.setAvailIdx(old);
          DescriptorChain chain = new DescriptorChain();
          for (int i = 0; i < n; i++) {
            driver.publish(driver.addChain(new Buffer(RAM + 0x8000, 8, true)));
            queue.pop(ram.memory, chain);
            queue.addUsed(ram.memory, chain.head(), 8);
          }
          driver.setUsedEvent(event);
          assertEquals(model(event, old, n), queue.publishUsed(ram.memory),
              "old " + old + " n " + n + " event " + event);
        }
      }
    }
  }

  @Test
  void driverKickDecisionMatchesTheModel() throws Exception {
    for (int old : new int[] {65534, 65535, 0, 40}) {
      for (int n = 1; n <= 5; n++) {
        for (int event = (old - 3) & 0xFFFF, i = 0; i < 12; i++, event = (event + 1) & 0xFFFF) {
          DriverQueue driver = DriverQueue.layout(ram.memory, 16, RAM);
          driver.setEventIdx(true);
          driver.setAvailIdx(old);
          driver.kickNeeded(); // remember "old" as the last kick position
          for (int k = 0; k < n; k++) {
            driver.publish(driver.addChain(new Buffer(RAM + 0x8000, 8, true)));
          }
          ram.at(driver.usedRing() + UsedRing.availEventOffset(16), 2)
              .set(GuestLayouts.U16, 0, (short) event);
          assertEquals(model(event, old, n), driver.kickNeeded(),
              "old " + old + " n " + n + " event " + event);
        }
      }
    }
  }
}
