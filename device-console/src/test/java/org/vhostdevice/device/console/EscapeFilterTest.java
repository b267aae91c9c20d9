// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EscapeFilterTest {
  private final EscapeFilter f = new EscapeFilter();

  private byte[] run(byte... in) {
    byte[] out = new byte[in.length + 1];
    return Arrays.copyOf(out, f.filter(in, in.length, out));
  }

  @Test
  void ctrlCGoesToTheGuest() {
    assertArrayEquals(new byte[] {'a', 3, 'b'}, run((byte) 'a', (byte) 3, (byte) 'b'));
    assertFalse(f.quitRequested());
  }

  @Test
  void ctrlAXQuitsAndDropsWhatFollows() {
    assertArrayEquals(new byte[] {'a'}, run((byte) 'a', (byte) 1, (byte) 'x', (byte) 'z'));
    assertTrue(f.quitRequested());
  }

  @Test
  void ctrlATwiceSendsOneCtrlA() {
    assertArrayEquals(new byte[] {1, 'q'}, run((byte) 1, (byte) 1, (byte) 'q'));
  }

  @Test
  void ctrlAWithAnotherKeySendsBoth() {
    assertArrayEquals(new byte[] {1, 'c'}, run((byte) 1, (byte) 'c'));
  }

  @Test
  void anEscapeSplitAcrossReadsIsHeldBackThenResolved() {
    assertArrayEquals(new byte[] {'a'}, run((byte) 'a', (byte) 1));
    assertArrayEquals(new byte[] {1, 'b', 'c'}, run((byte) 'b', (byte) 'c'));
    run((byte) 1);
    run((byte) 'x');
    assertTrue(f.quitRequested());
  }
}
