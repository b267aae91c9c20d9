// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

class DocGenTest {
  @Command(name = "vhost-device-demo", mixinStandardHelpOptions = true,
      description = "vhost-user backend for a demo device.")
  public static final class DemoMain implements Callable<Integer> {
    @Mixin SocketOptions socket;

    @Option(names = {"-x", "--extent"}, paramLabel = "N", defaultValue = "7",
        description = "Extent of the demo. Default: ${DEFAULT-VALUE}.")
    int extent;

    @Option(names = "--hidden", hidden = true)
    boolean hidden;

    @Override
    public Integer call() {
      return 0;
    }
  }

  @Test
  void theManPageListsEveryVisibleOptionWithItsDefault() {
    String man = DocGen.manPage(new CommandLine(new DemoMain()), null);
    assertTrue(man.startsWith(".\\\" SPDX"), man);
    assertTrue(man.contains(".TH \"VHOST-DEVICE-DEMO\" 1"), man);
    assertTrue(man.contains("\\fB\\-x\\fR, \\fB\\-\\-extent\\fR \\fIN\\fR\nExtent of the demo. Default: 7."),
        man);
    assertTrue(man.contains("\\fB\\-\\-socket\\-path\\fR"), man);
    assertFalse(man.contains("hidden"), "hidden options stay out of the page");
    assertFalse(man.contains(".SH EXAMPLE"), "no example without a README block");
  }

  @Test
  void theExampleIsTheReadmesFirstCodeBlockThatRunsQemu() {
    String readme = "# demo\n\n```\nvhost-device-demo --help\n```\n\n## Examples\n\n```\n"
        + "vhost-device-demo -s /tmp/d.sock &\nqemu-system-x86_64 -device vhost-user-demo-pci \\\n"
        + "  ...\n```\n";
    assertEquals("vhost-device-demo -s /tmp/d.sock &\nqemu-system-x86_64 -device "
        + "vhost-user-demo-pci \\\n  ...", DocGen.qemuExample(readme));
    assertNull(DocGen.qemuExample("# no code here\n"));
  }

  @Test
  void textThatTroffWouldReadAsARequestIsEscaped() {
    assertEquals("\\&.hidden", DocGen.escape(".hidden"));
    assertEquals("\\&'quote", DocGen.escape("'quote"));
    assertEquals("a\\ebackslash \\-dash", DocGen.escape("a\\backslash -dash"));
  }

  @Test
  void mainWritesTheManPageAndABashCompletion(@TempDir Path dir) throws Exception {
    Path readme = dir.resolve("README.md");
    Files.writeString(readme, "```\nqemu-system-x86_64 -device x\n```\n");
    DocGen.main(new String[] {DemoMain.class.getName(), readme.toString(), dir.toString()});
    String man = Files.readString(dir.resolve("man/man1/vhost-device-demo.1"));
    assertTrue(man.contains(".SH EXAMPLE\n.nf\n.RS 4\nqemu\\-system\\-x86_64 \\-device x\n"), man);
    String completion = Files.readString(dir.resolve("bash-completion/completions/vhost-device-demo"));
    assertTrue(completion.contains("--extent"), completion);
    assertTrue(completion.contains("complete -F"), completion);
  }
}
