// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The nested backend over an in-memory terminal (a pipe for the keyboard). */
class TerminalBackendTest {
  private PipeTerminal terminal;
  private final CountDownLatch quit = new CountDownLatch(1);
  private TerminalBackend backend;
  private ConsolePort port;

  @BeforeEach
  void setUp() throws Exception {
    terminal = new PipeTerminal();
    backend = new TerminalBackend(terminal, quit::countDown);
    port = new ConsolePort(backend, 16);
    backend.start(port);
  }

  @AfterEach
  void tearDown() {
    backend.close();
    terminal.close();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(5);
    }
  }

  private byte[] takeInput() {
    byte[] b = new byte[port.input().size()];
    port.input().poll(b, 0, b.length);
    return b;
  }

  @Test
  void theTerminalIsRawWhileTheBackendRunsAndRestoredAtClose() {
    assertTrue(terminal.raw);
    backend.close();
    assertFalse(terminal.raw);
    assertEquals(1, terminal.restores);
  }

  @Test
  void keysIncludingCtrlCReachTheInputRing() throws Exception {
    terminal.type((byte) 'l', (byte) 's', (byte) 3, (byte) '\r');
    await(() -> port.input().size() == 4);
    assertArrayEquals(new byte[] {'l', 's', 3, '\r'}, takeInput());
    assertEquals(1, quit.getCount(), "Ctrl-C does not end the daemon");
  }

  @Test
  void theEscapeSequenceRestoresTheTerminalThenQuits() throws Exception {
    terminal.type((byte) 'a', (byte) 1, (byte) 'x');
    assertTrue(quit.await(10, TimeUnit.SECONDS));
    assertFalse(terminal.raw, "restored before quitting");
    assertArrayEquals(new byte[] {'a'}, takeInput());
  }

  @Test
  void guestOutputGoesToTheTerminal() throws Exception {
    byte[] out = {'o', 'k', (byte) 0xff};
    assertTrue(backend.canAccept(3));
    backend.write(out, 0, 3);
    assertArrayEquals(out, terminal.output.toByteArray());
  }

  @Test
  void aFullRingStopsReadingUntilTheGuestTakesSome() throws Exception {
    byte[] many = new byte[40];
    java.util.Arrays.fill(many, (byte) 'k');
    terminal.type(many);
    await(() -> port.input().size() == 15); // one byte of headroom for a held-back Ctrl-A
    Thread.sleep(50);
    assertEquals(15, port.input().size(), "nothing lost, nothing beyond the bound");
    takeInput();
    backend.inputDrained();
    await(() -> port.input().size() == 15);
    takeInput();
    backend.inputDrained();
    await(() -> port.input().size() == 10);
  }
}
