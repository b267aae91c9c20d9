// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

/**
 * A guest buffer attached to one queue of a stream by RESOURCE_CREATE. Guest-page resources
 * carry their memory entries (guest address and length), checked against guest memory when
 * created; host addresses are resolved when the resource is queued, with that batch's memory.
 */
public final class Resource {
  public final int queueType;
  public final int id;
  public final int planesLayout;
  public final int numPlanes;
  public final int[] planeOffsets;
  public final long[] entryAddr;
  public final int[] entryLen;
  /** True once queued at least once (the V4L2 backend allocates buffers on the first queue). */
  public boolean queuedOnce;
  /** True while queued and its RESOURCE_QUEUE reply is outstanding. */
  public boolean busy;
  /** Backend-private index (the V4L2 buffer index). */
  public int backendIndex = -1;

  public Resource(int queueType, int id, int planesLayout, int numPlanes, int[] planeOffsets,
      long[] entryAddr, int[] entryLen) {
    this.queueType = queueType;
    this.id = id;
    this.planesLayout = planesLayout;
    this.numPlanes = numPlanes;
    this.planeOffsets = planeOffsets;
    this.entryAddr = entryAddr;
    this.entryLen = entryLen;
  }

  /** Total bytes of guest memory behind this resource. */
  public long length() {
    long n = 0;
    for (int l : entryLen) {
      n += l & 0xFFFF_FFFFL;
    }
    return n;
  }
}
