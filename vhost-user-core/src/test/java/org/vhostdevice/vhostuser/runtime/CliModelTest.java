// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

class CliModelTest {
  enum Flavour { PLAIN, SPICY }

  /** What picocli does not convert by itself, as in GpuMain. */
  record Level(int value) {}

  public static final class LevelConverter implements ITypeConverter<Level> {
    @Override
    public Level convert(String value) {
      return new Level(Integer.parseInt(value) * 10);
    }
  }

  @Command(name = "vhost-device-demo", mixinStandardHelpOptions = true,
      versionProvider = ManifestVersion.class, description = "A demo daemon.",
      footer = {"", "Footer line."})
  public static final class DemoMain implements Callable<Integer> {
    @Mixin MultiSocketOptions socket;

    @Spec CommandSpec spec;

    @Option(names = {"-x", "--extent"}, paramLabel = "N", defaultValue = "7",
        description = "Extent. Default: ${DEFAULT-VALUE}.")
    int extent;

    @Option(names = "--flavour", description = "One of ${COMPLETION-CANDIDATES}.")
    Flavour flavour;

    @Option(names = "--levels", split = ",", converter = LevelConverter.class)
    List<Level> levels;

    @Option(names = "--on", arity = "1", defaultValue = "true")
    boolean on;

    @Option(names = "--hidden", hidden = true)
    boolean hidden;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Files.")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() {
      return 0;
    }
  }

  @Command(name = "with-method")
  public static final class MethodOption {
    int n;

    @Option(names = "-n")
    void setN(int value) {
      n = value;
    }
  }

  private static String model() throws Exception {
    return CliModelWriter.checkedModel(DemoMain.class);
  }

  private static DemoMain parseFromModel(String... args) throws Exception {
    DemoMain d = new DemoMain();
    new CommandLine(CliModel.spec(d, model())).parseArgs(args);
    return d;
  }

  @Test
  void optionsFromTheModelSetTheSameFieldsAsTheAnnotations() throws Exception {
    String[] args = {"-x", "9", "-s", "/run/d.sock", "-c", "3", "--flavour", "SPICY",
        "--levels", "1,2", "--on", "false", "-vv", "a.img", "b.img"};
    DemoMain annotated = new DemoMain();
    new CommandLine(annotated).parseArgs(args);
    DemoMain modelled = parseFromModel(args);
    assertEquals(annotated.extent, modelled.extent);
    assertEquals(9, modelled.extent);
    assertEquals(Path.of("/run/d.sock"), modelled.socket.socketPath());
    assertEquals(3, modelled.socket.socketCount());
    assertEquals(Flavour.SPICY, modelled.flavour);
    assertEquals(List.of(new Level(10), new Level(20)), modelled.levels);
    assertEquals(annotated.on, modelled.on);
    assertArrayEquals(new boolean[] {true, true}, modelled.socket.verbose);
    assertEquals(List.of(Path.of("a.img"), Path.of("b.img")), modelled.files);
  }

  @Test
  void defaultsAndInitialValuesApplyWithoutArguments() throws Exception {
    DemoMain d = parseFromModel();
    assertEquals(7, d.extent);
    assertEquals(1, d.socket.socketCount());
    assertTrue(d.on);
    assertEquals(0, d.socket.verbose.length);
    assertEquals(List.of(), d.files);
  }

  @Test
  void theSpecFieldGetsTheCommandsSpec() throws Exception {
    DemoMain d = new DemoMain();
    CommandLine cl = new CommandLine(CliModel.spec(d, model()));
    assertNotNull(d.spec);
    assertSame(cl.getCommandSpec(), d.spec);
  }

  @Test
  void usageHelpIsTheAnnotationsUsageHelp() throws Exception {
    String expected = new CommandLine(new DemoMain()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    String actual = new CommandLine(CliModel.spec(new DemoMain(), model()))
        .getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertEquals(expected, actual);
    assertTrue(actual.contains("One of PLAIN, SPICY."), actual);
    assertTrue(actual.contains("Default: 7."), actual);
  }

  @Test
  void aBadValueIsTheSameUsageError() throws Exception {
    CommandLine cl = new CommandLine(CliModel.spec(new DemoMain(), model()));
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
        () -> cl.parseArgs("--extent", "many"));
    assertTrue(e.getMessage().contains("--extent"), e.getMessage());
  }

  @Test
  void aModelOfOtherClassFilesIsNotUsed() throws Exception {
    String model = model();
    String line = model.lines().filter(l -> l.startsWith("class\t" + DemoMain.class.getName()))
        .findFirst().orElseThrow();
    String stale = model.replace(line, line.substring(0, line.lastIndexOf('\t')) + "\t0");
    assertNull(CliModel.spec(new DemoMain(), stale));
  }

  @Test
  void theBuildCheckCatchesAnAttributeTheModelGotWrong() throws Exception {
    String wrong = model().replace("Extent. Default", "Extent, default");
    CommandSpec replayed = CliModel.spec(new DemoMain(), wrong);
    String d = SpecComparison.difference(new CommandLine(new DemoMain()).getCommandSpec(),
        replayed);
    assertNotNull(d);
    assertTrue(d.contains("description"), d);
  }

  @Test
  void aCommandWithAnOptionOnAMethodGetsNoModel() {
    CliModelWriter.UnsupportedException e = assertThrows(
        CliModelWriter.UnsupportedException.class,
        () -> CliModelWriter.checkedModel(MethodOption.class));
    assertTrue(e.getMessage().contains("setN"), e.getMessage());
  }

  @Test
  void aCommandWithoutAModelResourceIsLeftToTheAnnotations() {
    assertNull(CliModel.commandLine(new DemoMain()));
  }

  @Test
  void textEscapesSurviveTheRoundTrip() {
    List<String> fields = java.util.Arrays.asList("a\tb", "line\nnext\r", "back\\slash", null,
        "", "\\0");
    String[] back = ModelText.parse(ModelText.record(fields)).get(0);
    assertEquals(fields, java.util.Arrays.asList(back));
  }
}
