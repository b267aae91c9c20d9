// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.util.List;

/**
 * One entry of a QUERY_CAPABILITY reply: a format with the frame sizes it supports, each with its
 * frame rates. {@code mask} says which formats of the other queue this one pairs with.
 */
public record FormatDesc(long mask, int format, int planesLayout, int planeAlign,
    List<Frame> frames) {

  /** A {min, max, step} range. */
  public record Range(int min, int max, int step) {}

  /** A frame size range and its frame rate ranges. */
  public record Frame(Range width, Range height, List<Range> rates) {}

  /** Bytes this descriptor takes on the wire. */
  int wireSize() {
    int n = VideoProtocol.FORMAT_DESC_SIZE;
    for (Frame f : frames) {
      n += VideoProtocol.FORMAT_FRAME_SIZE + f.rates().size() * VideoProtocol.FORMAT_RANGE_SIZE;
    }
    return n;
  }
}
