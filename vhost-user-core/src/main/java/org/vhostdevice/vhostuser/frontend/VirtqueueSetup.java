// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.frontend;

import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.sys.EventFd;

/**
 * What {@link Frontend#qemuStart} tells the backend about one virtqueue: its index and size,
 * where its three parts are (guest-physical; translated to frontend virtual addresses when sent),
 * the available index to resume from, and its eventfds ({@code call} null sends "no fd", QEMU's
 * way of saying the queue has no interrupt).
 */
public record VirtqueueSetup(
    int index, int size, long descGpa, long availGpa, long usedGpa, int base, EventFd kick,
    EventFd call) {
  /** The setup of {@code driver}'s rings as queue {@code index}. */
  public static VirtqueueSetup of(
      int index, DriverQueue driver, int base, EventFd kick, EventFd call) {
    return new VirtqueueSetup(index, driver.size(), driver.descTable(), driver.availRing(),
        driver.usedRing(), base, kick, call);
  }
}
