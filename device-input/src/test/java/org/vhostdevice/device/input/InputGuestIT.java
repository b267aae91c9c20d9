// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.testing.DaemonProcess;
import org.vhostdevice.vhostuser.testing.GuestVm;

/**
 * vhost-device-input (the launcher, as a separate process, fed by {@code --replay} because this
 * machine has no /dev/uinput) under QEMU 7.2's vhost-user-input-pci with a real Linux guest: its
 * virtio_input driver must name the device as we do, and its /dev/input/eventN must report the
 * recording's events in order.
 *
 * <p>QEMU 7.2 refuses vhost-user-input without KVM ("vhost initialization failed: requires kvm":
 * its vhost-user backend object needs ioeventfd), so this test skips under TCG.
 */
@Tag("guest")
class InputGuestIT {
  private static final Duration BOOT = Duration.ofSeconds(300);
  private static final String NAME = "vhd replay keyboard";
  private static final int EVENTS = 16;
  /**
   * Finds the input device by name, prints every input device's name, then the first EVENTS
   * 24-byte records of its evdev node in hex, one per line.
   */
  private static final String SCRIPT = """
      ev=""
      for d in /sys/class/input/input*; do
        n=$(cat "$d/name")
        echo "input-name: $n"
        if [ "$n" = "%s" ]; then ev=$(ls -d "$d"/event* | head -n 1); fi
      done
      [ -n "$ev" ] || { echo "no input device named %s"; exit 1; }
      dev=/dev/input/$(basename "$ev")
      echo "evdev=$dev"
      timeout 120 dd if="$dev" bs=24 count=%d 2>/dev/null \\
        | hexdump -v -e '"EV " 24/1 "%%02x" "\\n"'
      """.formatted(NAME, NAME, EVENTS);

  @TempDir Path dir;

  @BeforeAll
  static void needsQemuWithKvm() throws Exception {
    String why = GuestVm.unavailableReason();
    Assumptions.assumeTrue(why == null, "skipping guest tests: " + why);
    GuestVm.guest();
    Assumptions.assumeTrue(GuestVm.accel().equals("kvm"),
        "skipping: QEMU 7.2's vhost-user-input-pci needs KVM (ioeventfd), this machine runs TCG");
  }

  /** The {type, code, value} of each "EV <48 hex digits>" line of the guest's output. */
  static List<int[]> events(String console) {
    List<int[]> out = new ArrayList<>();
    Matcher m = Pattern.compile("EV ([0-9a-f]{48})").matcher(console);
    while (m.find()) {
      String h = m.group(1);
      out.add(new int[] {le(h, 16, 2), le(h, 18, 2), le(h, 20, 4)});
    }
    return out;
  }

  private static int le(String hex, int offset, int bytes) {
    int v = 0;
    for (int i = bytes - 1; i >= 0; i--) {
      v = v << 8 | Integer.parseInt(hex.substring(2 * (offset + i), 2 * (offset + i) + 2), 16);
    }
    return v;
  }

  @Test
  void theGuestNamesTheDeviceAndReadsTheReplayedEventsInOrder() throws Exception {
    Path rec = Recording.write(dir.resolve("keys.ev"));
    Path sock = dir.resolve("input.sock0");
    try (DaemonProcess d = DaemonProcess.start(sock, dir.resolve("daemon.log"),
        "-s", dir.resolve("input.sock").toString(), "--replay", rec.toString(),
        "--replay-name", NAME, "--replay-interval", "100")) {
      Path work = Files.createDirectories(dir.resolve("boot"));
      GuestVm.Result r = GuestVm.boot(SCRIPT, List.of(
          "-chardev", "socket,id=input0,path=" + sock,
          "-device", "vhost-user-input-pci,chardev=input0"), BOOT, work);
      String all = r.console() + "\n--- daemon ---\n" + d.log();
      assertTrue(r.passed(), all);
      assertTrue(r.console().contains("input-name: " + NAME), all);
      List<int[]> got = events(r.console());
      assertEquals(EVENTS, got.size(), all);
      assertTrue(Recording.isWindowOfTheLoop(got),
          got.stream().map(Arrays::toString).toList() + "\n" + all);
      assertEquals(0, d.stop(), "SIGTERM ends the daemon with status 0");
    }
  }
}
