// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes raw input_event recordings for {@code --replay}, as {@code cat /dev/input/eventN} would. */
final class Recording {
  private Recording() {}

  /**
   * Four packets that the guest's input core passes on unchanged (a key press and its release,
   * non-zero relative moves): KEY_A down, KEY_A up, REL_X +5, REL_Y -3, each ended by SYN_REPORT.
   */
  static final int[][] PACKETS = {
      {InputConfig.EV_KEY, 30, 1},
      {InputConfig.EV_KEY, 30, 0},
      {InputConfig.EV_REL, 0, 5},
      {InputConfig.EV_REL, 1, -3}};

  /** The recording's events in order, as {type, code, value}, SYN_REPORTs included. */
  static List<int[]> events() {
    List<int[]> out = new ArrayList<>();
    for (int[] p : PACKETS) {
      out.add(p);
      out.add(new int[] {EventPump.EV_SYN, EventPump.SYN_REPORT, 0});
    }
    return out;
  }

  static Path write(Path file) throws IOException {
    List<int[]> events = events();
    ByteBuffer b = ByteBuffer.allocate(events.size() * Evdev.EVENT_SIZE)
        .order(ByteOrder.LITTLE_ENDIAN);
    long usec = 0;
    for (int[] e : events) {
      b.putLong(1_700_000_000L).putLong(usec += 1000);
      b.putShort((short) e[0]).putShort((short) e[1]).putInt(e[2]);
    }
    return Files.write(file, b.array());
  }

  /** True if {@code got} (type, code, value triples) is a stretch of the looped recording. */
  static boolean isWindowOfTheLoop(List<int[]> got) {
    List<int[]> loop = events();
    for (int start = 0; start < loop.size(); start++) {
      boolean ok = true;
      for (int i = 0; i < got.size() && ok; i++) {
        ok = java.util.Arrays.equals(loop.get((start + i) % loop.size()), got.get(i));
      }
      if (ok) {
        return true;
      }
    }
    return false;
  }
}
