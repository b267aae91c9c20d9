// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The Rust daemon's options (plus --no-grab and the replay test source) and their checks. */
class InputMainTest {
  private static InputMain parse(String... args) {
    InputMain m = new InputMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void longFormsWithEqualsAndACommaList() throws Exception {
    InputMain m = parse("--socket-path=/tmp/vinput.sock",
        "--event-list=/dev/input/event14,/dev/input/event15");
    assertEquals(Path.of("/tmp/vinput.sock"), m.socket.socketPath());
    assertEquals(List.of("/dev/input/event14", "/dev/input/event15"), m.events);
    assertFalse(m.noGrab);
    m.validate();
  }

  @Test
  void shortForms() throws Exception {
    InputMain m = parse("-s=/tmp/vinput.sock", "-e=/dev/input/event1", "-n");
    assertEquals(Path.of("/tmp/vinput.sock"), m.socket.socketPath());
    assertEquals(List.of("/dev/input/event1"), m.events);
    assertTrue(m.noGrab);
    assertTrue(parse("-s", "x", "-e", "y", "--no-grab").noGrab);
  }

  @Test
  void socketIServesEventDeviceIWithTheIndexAppended() {
    InputMain m = parse("-s", "/run/vm/input.sock", "-e", "/dev/input/event3,/dev/input/event4");
    assertEquals(List.of(Path.of("/run/vm/input.sock0"), Path.of("/run/vm/input.sock1")),
        m.socketPaths(m.devices().size()));
  }

  @Test
  void theEventListIsRequired() {
    UsageException e = assertThrows(UsageException.class, () -> parse("-s", "s").validate());
    assertEquals("--event-list is required", e.getMessage());
  }

  @Test
  void replayAndEventListExcludeEachOther() {
    assertThrows(UsageException.class,
        () -> parse("-s", "s", "-e", "/dev/input/event1", "--replay", "/tmp/r").validate());
  }

  @Test
  void aReplayIntervalBelowOneMillisecondIsRefused() {
    assertThrows(UsageException.class,
        () -> parse("-s", "s", "--replay", "/tmp/r", "--replay-interval", "0").validate());
  }

  @Test
  void anInheritedSocketServesOneDeviceOnly() {
    assertThrows(UsageException.class,
        () -> parse("--socket-fd", "3", "-e", "/dev/input/a,/dev/input/b").validate());
  }

  @Test
  void aMissingEventDeviceFailsTheStartWithTheRustMessage() {
    FakeEvdevIo io = new FakeEvdevIo();
    io.missing.add("/dev/input/event99");
    IOException e = assertThrows(IOException.class,
        () -> InputMain.checkAccess(io, List.of("/dev/input/event99")));
    assertTrue(e.getMessage().startsWith("Event device file doesn't exists or can't be accessed"),
        e.getMessage());
  }

  @Test
  void theAccessCheckLeavesNothingOpen() throws Exception {
    FakeEvdevIo io = new FakeEvdevIo();
    InputMain.checkAccess(io, List.of("/dev/input/event1", "/dev/input/event2"));
    assertEquals(2, io.opened.size());
    assertEquals(0, io.openCount());
  }

  @Test
  void aFileThatIsNotAnEventDeviceFailsTheStart() {
    IOException e = assertThrows(IOException.class,
        () -> InputMain.checkAccess(new LinuxEvdevIo(), List.of("/dev/null")));
    assertTrue(e.getMessage().contains("not an event device"), e.getMessage());
  }
}
