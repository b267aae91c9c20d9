// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

/** Everything a split queue keeps, for save/restore (migration) and for tests. */
public record QueueState(
    int maxSize,
    int size,
    boolean ready,
    long descTable,
    long availRing,
    long usedRing,
    int nextAvail,
    int nextUsed,
    boolean eventIdx) {}
