// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scmi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Test helpers: fake sensors, requests to the handler, expected words. */
final class Scmi {
  private Scmi() {}

  /** {@code n} initialized fake sensors named fake0, fake1, ... */
  static List<Sensor> fakes(int n) throws Exception {
    List<Sensor> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Sensor s = FakeSensor.create(DeviceProperties.of("name", "fake" + i));
      s.initialize();
      out.add(s);
    }
    return out;
  }

  /** The response words to a command, with room for a 4 KiB response. */
  static int[] ask(ScmiHandler h, int protocol, int message, int... params) {
    return askWithRoom(h, 4096, protocol, message, params);
  }

  static int[] askWithRoom(ScmiHandler h, int maxBytes, int protocol, int message, int... params) {
    Words out = new Words(h.maxResponseWords());
    h.handle(ScmiHeader.command(protocol, message), params.length > 0 ? params[0] : 0,
        params.length > 1 ? params[1] : 0, out, maxBytes);
    int[] w = new int[out.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = out.get(i);
    }
    return w;
  }

  /** The expected response: header, status, values (names packed as 4 words). */
  static int[] expect(int protocol, int message, int status, Object... values) {
    List<Integer> w = new ArrayList<>();
    w.add(ScmiHeader.command(protocol, message));
    w.add(status);
    for (Object v : values) {
      if (v instanceof String s) {
        Arrays.stream(Words.packName(s)).forEach(w::add);
      } else if (v instanceof Long l) {
        w.add((int) (long) l);
        w.add((int) (l >>> 32));
      } else {
        w.add((Integer) v);
      }
    }
    return w.stream().mapToInt(Integer::intValue).toArray();
  }
}
