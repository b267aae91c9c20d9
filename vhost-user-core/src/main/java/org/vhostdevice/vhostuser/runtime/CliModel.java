// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Range;

/**
 * A daemon's picocli command built without reading annotations. Reading them at run time makes
 * the JDK generate a proxy class per annotation type (which no class-data archive of JDK 25 can
 * hold) and was a third of a packaged daemon's start-up. {@link CliModelWriter} runs at build
 * time on the annotated command class, which stays the source of truth, and writes the model
 * beside it ({@code RngMain.cli}); it also rebuilds the command from the model and refuses to
 * write one that differs from picocli's own reading in any way. Here the model is replayed with
 * picocli's programmatic API, binding each option to its field.
 *
 * <p>No model, a model of other class files (the sources changed after it was written) or one
 * that does not load: {@link #commandLine} returns null and the caller reads the annotations.
 */
public final class CliModel {
  static final String HEADER = "vhost-device-cli-model 1";
  /** The owner and holder key of the command itself (mixins use their picocli names). */
  static final String SELF = ".";
  /** A binding without a field: picocli's own standard help mixin. */
  static final String NO_FIELD = "-";

  private CliModel() {}

  /** The model's resource name, relative to the command class. */
  static String resourceName(Class<?> command) {
    String n = command.getName();
    return n.substring(n.lastIndexOf('.') + 1) + ".cli";
  }

  /**
   * The command line of {@code command} from its build-time model, or null when it has none that
   * matches its class files.
   */
  public static CommandLine commandLine(Object command) {
    Class<?> c = command.getClass();
    try (InputStream in = c.getResourceAsStream(resourceName(c))) {
      if (in == null) {
        return null;
      }
      CommandSpec spec = spec(command, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return spec == null ? null : new CommandLine(spec);
    } catch (IOException | ReflectiveOperationException | RuntimeException e) {
      // Not expected (the build checked the model); annotations still give the right answer.
      return null;
    }
  }

  /** The spec {@code model} describes, bound to {@code command}; null if the model is stale. */
  static CommandSpec spec(Object command, String model) throws ReflectiveOperationException,
      IOException {
    List<String[]> records = ModelText.parse(model);
    if (records.isEmpty() || !HEADER.equals(records.get(0)[0])) {
      throw new IOException("not a " + HEADER);
    }
    ClassLoader loader = command.getClass().getClassLoader();
    Map<String, Object> holders = new HashMap<>();
    Map<String, CommandSpec> specs = new LinkedHashMap<>();
    holders.put(SELF, command);
    CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
    specs.put(SELF, spec);
    Arg arg = null;
    for (int i = 1; i < records.size(); i++) {
      String[] r = records.get(i);
      if (r[0].equals("a")) {
        if (arg == null) {
          throw new IOException("attribute outside an option");
        }
        arg.set(r[1], values(r, 2), loader);
        continue;
      }
      if (arg != null) {
        arg.addTo(specs.get(arg.owner));
        arg = null;
      }
      switch (r[0]) {
        case "class" -> {
          if (!r[2].equals(fingerprint(loader, r[1]))) {
            return null;
          }
        }
        case "command" -> {
          if (!r[1].equals(command.getClass().getName())) {
            throw new IOException("model of " + r[1] + ", not " + command.getClass().getName());
          }
        }
        case "c" -> specAttribute(specs.get(r[1]), r, loader);
        case "mixin" -> {
          Object mixin = mixinInstance(command, r, loader);
          holders.put(r[1], mixin);
          specs.put(r[1], CommandSpec.wrapWithoutInspection(mixin));
        }
        case "addmixin" -> spec.addMixin(r[1], specs.get(r[1]));
        case "opt", "pos" -> {
          arg = new Arg(r[1], r[0].equals("opt"));
          if (!r[2].equals(NO_FIELD)) {
            arg.bind(FieldBinding.of(holders.get(r[1]), Class.forName(r[2], false, loader), r[3]));
          }
        }
        case "inject" -> FieldBinding.of(holders.get(r[1]), Class.forName(r[2], false, loader),
            r[3]).set(specs.get(r[4]));
        default -> throw new IOException("unknown record " + r[0]);
      }
    }
    if (arg != null) {
      arg.addTo(specs.get(arg.owner));
    }
    return spec;
  }

  /** The mixin held in the command's field (created and stored there if the field is null). */
  private static Object mixinInstance(Object command, String[] r, ClassLoader loader)
      throws ReflectiveOperationException {
    if (r[2].equals(NO_FIELD)) {
      // picocli's standard help mixin: its options are bound to no field, as nothing reads them.
      return new Object();
    }
    Class<?> type = Class.forName(r[4], false, loader);
    FieldBinding field = FieldBinding.of(command, Class.forName(r[2], false, loader), r[3]);
    Object mixin = field.get();
    if (mixin == null) {
      var ctor = type.getDeclaredConstructor();
      ctor.setAccessible(true);
      mixin = ctor.newInstance();
      field.set(mixin);
    }
    return mixin;
  }

  private static void specAttribute(CommandSpec spec, String[] r, ClassLoader loader)
      throws ReflectiveOperationException, IOException {
    String[] v = values(r, 3);
    var usage = spec.usageMessage();
    switch (r[2]) {
      case "name" -> spec.name(v[0]);
      case "toString" -> spec.withToString(v[0]);
      case "scopeType" -> spec.scopeType(CommandLine.ScopeType.valueOf(v[0]));
      case "version" -> spec.version(v);
      case "versionProvider" -> spec.versionProvider((IVersionProvider) create(v[0], loader));
      case "description" -> usage.description(v);
      case "header" -> usage.header(v);
      case "footer" -> usage.footer(v);
      case "headerHeading" -> usage.headerHeading(v[0]);
      case "synopsisHeading" -> usage.synopsisHeading(v[0]);
      case "descriptionHeading" -> usage.descriptionHeading(v[0]);
      case "parameterListHeading" -> usage.parameterListHeading(v[0]);
      case "optionListHeading" -> usage.optionListHeading(v[0]);
      case "footerHeading" -> usage.footerHeading(v[0]);
      case "exitCodeListHeading" -> usage.exitCodeListHeading(v[0]);
      case "exitCodeList" -> {
        Map<String, String> codes = new LinkedHashMap<>();
        for (int i = 0; i + 1 < v.length; i += 2) {
          codes.put(v[i], v[i + 1]);
        }
        usage.exitCodeList(codes);
      }
      default -> throw new IOException("unknown command attribute " + r[2]);
    }
  }

  /**
   * An option or positional parameter being built. picocli's common builder class is not public,
   * so each setter is called on whichever of the two public builders this is.
   */
  private static final class Arg {
    final String owner;
    final OptionSpec.Builder o;
    final PositionalParamSpec.Builder p;

    Arg(String owner, boolean option) {
      this.owner = owner;
      this.o = option ? OptionSpec.builder("-") : null;
      this.p = option ? null : PositionalParamSpec.builder();
    }

    void bind(FieldBinding b) {
      if (o != null) {
        o.getter(b).setter(b).initialValue(b.get()).hasInitialValue(true);
      } else {
        p.getter(b).setter(b).initialValue(b.get()).hasInitialValue(true);
      }
    }

    void addTo(CommandSpec spec) {
      if (o != null) {
        spec.addOption(o.build());
      } else {
        spec.addPositional(p.build());
      }
    }

    void set(String name, String[] v, ClassLoader loader) throws ReflectiveOperationException,
        IOException {
      String one = v.length > 0 ? v[0] : null;
      boolean flag = Boolean.parseBoolean(one);
      switch (name) {
        case "names" -> o.names(v);
        case "fallback" -> o.fallbackValue(one);
        case "order" -> o.order(Integer.parseInt(one));
        case "negatable" -> o.negatable(flag);
        case "usageHelp" -> o.usageHelp(flag);
        case "versionHelp" -> o.versionHelp(flag);
        case "index" -> p.index(range(v));
        case "arity" -> { if (o != null) o.arity(range(v)); else p.arity(range(v)); }
        case "required" -> { if (o != null) o.required(flag); else p.required(flag); }
        case "paramLabel" -> { if (o != null) o.paramLabel(one); else p.paramLabel(one); }
        case "hideParamSyntax" -> {
          if (o != null) o.hideParamSyntax(flag); else p.hideParamSyntax(flag); }
        case "description" -> { if (o != null) o.description(v); else p.description(v); }
        case "descriptionKey" -> {
          if (o != null) o.descriptionKey(one); else p.descriptionKey(one); }
        case "split" -> { if (o != null) o.splitRegex(one); else p.splitRegex(one); }
        case "splitSynopsisLabel" -> {
          if (o != null) o.splitRegexSynopsisLabel(one); else p.splitRegexSynopsisLabel(one); }
        case "hidden" -> { if (o != null) o.hidden(flag); else p.hidden(flag); }
        case "type" -> {
          Class<?> t = type(one, loader);
          if (o != null) o.type(t); else p.type(t); }
        case "aux" -> {
          Class<?>[] types = new Class<?>[v.length];
          for (int i = 0; i < v.length; i++) {
            types[i] = type(v[i], loader);
          }
          if (o != null) o.auxiliaryTypes(types); else p.auxiliaryTypes(types); }
        case "converters" -> {
          ITypeConverter<?>[] cs = new ITypeConverter<?>[v.length];
          for (int i = 0; i < v.length; i++) {
            cs[i] = (ITypeConverter<?>) create(v[i], loader);
          }
          if (o != null) o.converters(cs); else p.converters(cs); }
        case "candidates" -> {
          @SuppressWarnings("unchecked")
          Iterable<String> c = (Iterable<String>) create(one, loader);
          if (o != null) o.completionCandidates(c); else p.completionCandidates(c); }
        case "defaultValue" -> { if (o != null) o.defaultValue(one); else p.defaultValue(one); }
        case "showDefault" -> {
          Help.Visibility show = Help.Visibility.valueOf(one);
          if (o != null) o.showDefaultValue(show); else p.showDefaultValue(show); }
        case "mapFallback" -> {
          if (o != null) o.mapFallbackValue(one); else p.mapFallbackValue(one); }
        case "initial" -> { if (o != null) o.initialValue(flag); else p.initialValue(flag); }
        case "echo" -> { if (o != null) o.echo(flag); else p.echo(flag); }
        case "prompt" -> { if (o != null) o.prompt(one); else p.prompt(one); }
        case "toString" -> { if (o != null) o.withToString(one); else p.withToString(one); }
        default -> throw new IOException("unknown option attribute " + name);
      }
    }
  }

  /** A range as written by picocli's annotations: its text, and whether it was left unset. */
  private static Range range(String[] v) {
    return Range.valueOf(v[0]).unspecified(Boolean.parseBoolean(v[1]));
  }

  private static String[] values(String[] r, int from) {
    String[] v = new String[Math.max(0, r.length - from)];
    System.arraycopy(r, from, v, 0, v.length);
    return v;
  }

  private static Object create(String className, ClassLoader loader)
      throws ReflectiveOperationException {
    var ctor = Class.forName(className, false, loader).getDeclaredConstructor();
    ctor.setAccessible(true);
    return ctor.newInstance();
  }

  static Class<?> type(String name, ClassLoader loader) throws ClassNotFoundException {
    return switch (name) {
      case "boolean" -> boolean.class;
      case "byte" -> byte.class;
      case "char" -> char.class;
      case "short" -> short.class;
      case "int" -> int.class;
      case "long" -> long.class;
      case "float" -> float.class;
      case "double" -> double.class;
      default -> Class.forName(name, false, loader);
    };
  }

  /** CRC-32 of a class file as the class loader sees it, in hex; "absent" if there is none. */
  static String fingerprint(ClassLoader loader, String className) throws IOException {
    try (InputStream in = loader.getResourceAsStream(className.replace('.', '/') + ".class")) {
      if (in == null) {
        return "absent";
      }
      CRC32 crc = new CRC32();
      crc.update(in.readAllBytes());
      return Long.toHexString(crc.getValue());
    }
  }
}
