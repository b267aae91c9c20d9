// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostdevice.vhostuser.runtime.UsageException;
import picocli.CommandLine;

/** The command line. */
class ScsiMainTest {
  @TempDir Path dir;

  private static ScsiMain parse(String... args) {
    ScsiMain m = new ScsiMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void theRustOptionsParse() {
    ScsiMain m = parse("-r", "--solid-state", "-s", "/tmp/x.sock", "a.img", "b.img");
    assertTrue(m.readOnly);
    assertTrue(m.solidState);
    assertEquals(List.of(Path.of("a.img"), Path.of("b.img")), m.images);
    assertEquals(1, m.numQueues);
    assertEquals(Path.of("/tmp/x.sock"), m.socket.socketPath());
  }

  @Test
  void moreThan256ImagesIsRefused() {
    List<String> args = new ArrayList<>(List.of("-s", "/tmp/x.sock"));
    for (int i = 0; i < 257; i++) {
      args.add("i" + i);
    }
    UsageException e = assertThrows(UsageException.class,
        () -> parse(args.toArray(new String[0])).validate());
    assertEquals("More than 256 LUNs aren't currently supported", e.getMessage());
  }

  @Test
  void numQueuesIsBounded() throws Exception {
    assertThrows(UsageException.class, () -> parse("-s", "x", "--num-queues", "0").validate());
    assertThrows(UsageException.class, () -> parse("-s", "x", "--num-queues", "65").validate());
    parse("-s", "x", "--num-queues", "4").validate();
  }

  @Test
  void aBadImageIsReportedAndTheOthersAreClosed() throws Exception {
    Path good = Files.write(dir.resolve("good.img"), new byte[512]);
    Path bad = Files.write(dir.resolve("bad.img"), new byte[100]);
    ScsiMain m = parse("-s", "x", good.toString(), bad.toString());
    ImageException e = assertThrows(ImageException.class, m::openImages);
    assertTrue(e.getMessage().contains("bad.img"), e.getMessage());
  }

  @Test
  void readOnlyOpensImagesReadOnly() throws Exception {
    Path img = Files.write(dir.resolve("a.img"), new byte[1024]);
    List<FileBackend> open = parse("-r", "-s", "x", img.toString()).openImages();
    assertTrue(open.get(0).readOnly());
    open.get(0).close();
  }
}
