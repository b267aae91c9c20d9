// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.Range;

/**
 * Build step run after compiling each daemon: writes the {@link CliModel} of its command class
 * into the class output directory, next to the class. Everything in the model is read from the
 * command picocli builds from the annotations; the model is then replayed on a fresh command
 * and must give the same picocli model ({@link SpecComparison}), the same initial values, the
 * same usage help, bash completion and man page. A command using a picocli feature the model does
 * not carry (subcommands, argument groups, options on methods, ...) gets no model, with a note
 * on stderr: the daemon then reads its annotations at start-up, correct but slower.
 *
 * <p>Usage: {@code CliModelWriter COMMAND-CLASS CLASSES-DIR}
 */
public final class CliModelWriter {
  private static final String HELP_MIXIN = "mixinStandardHelpOptions";
  private static final String NULL_VALUE = "_NULL_";
  private static final List<String> USAGE_ARRAYS = List.of("description", "header", "footer");
  private static final List<String> USAGE_STRINGS = List.of("headerHeading", "synopsisHeading",
      "descriptionHeading", "parameterListHeading", "optionListHeading", "footerHeading",
      "exitCodeListHeading");

  /** The model could not be written: a picocli feature it does not carry. */
  static final class UnsupportedException extends Exception {
    UnsupportedException(String message) {
      super(message);
    }
  }

  private final List<String> out = new ArrayList<>();
  private final Map<Object, String> holderKeys = new IdentityHashMap<>();

  private CliModelWriter() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: CliModelWriter COMMAND-CLASS CLASSES-DIR");
      System.exit(2);
    }
    Class<?> type = Class.forName(args[0]);
    Path file = Path.of(args[1]).resolve(type.getPackageName().replace('.', '/'))
        .resolve(CliModel.resourceName(type));
    try {
      String model = checkedModel(type);
      Files.createDirectories(file.getParent());
      Files.writeString(file, model, StandardCharsets.UTF_8);
      System.out.println("CliModelWriter: " + file.getFileName() + " written");
    } catch (UnsupportedException e) {
      Files.deleteIfExists(file);
      System.err.println("CliModelWriter: no model for " + type.getName() + " (" + e.getMessage()
          + "); it reads its annotations at start-up");
    }
  }

  /** The model of {@code type}, checked against picocli's reading of the annotations. */
  static String checkedModel(Class<?> type) throws ReflectiveOperationException, IOException,
      UnsupportedException {
    CommandLine annotated = new CommandLine(newInstance(type));
    String model = new CliModelWriter().write(annotated.getCommandSpec());
    CommandSpec replayed = CliModel.spec(newInstance(type), model);
    if (replayed == null) {
      throw new IOException("the model does not match the class files it was written from");
    }
    CommandLine fromModel = new CommandLine(replayed);
    String d = SpecComparison.difference(annotated.getCommandSpec(), replayed);
    if (d == null) {
      d = initialValues(annotated.getCommandSpec(), replayed);
    }
    if (d == null) {
      d = same("usage help", annotated.getUsageMessage(Help.Ansi.OFF),
          fromModel.getUsageMessage(Help.Ansi.OFF));
    }
    if (d == null) {
      String name = annotated.getCommandName();
      d = same("bash completion", AutoComplete.bash(name, annotated),
          AutoComplete.bash(name, fromModel));
    }
    if (d == null) {
      d = same("man page", DocGen.manPage(annotated, null), DocGen.manPage(fromModel, null));
    }
    if (d != null) {
      throw new UnsupportedException("the model differs from the annotations: " + d);
    }
    return model;
  }

  private static String same(String what, String a, String b) {
    return a.equals(b) ? null : what + " differs";
  }

  private static String initialValues(CommandSpec a, CommandSpec b) {
    List<ArgSpec> as = a.args();
    List<ArgSpec> bs = b.args();
    for (int i = 0; i < as.size(); i++) {
      ArgSpec x = as.get(i);
      ArgSpec y = bs.get(i);
      if (x.hasInitialValue() != y.hasInitialValue()
          || !Objects.deepEquals(x.initialValue(), y.initialValue())) {
        return "initial value of " + x;
      }
    }
    return null;
  }

  private String write(CommandSpec spec) throws ReflectiveOperationException,
      UnsupportedException, IOException {
    Object command = spec.userObject();
    refuse(!spec.subcommands().isEmpty(), "subcommands");
    refuse(!spec.argGroups().isEmpty(), "argument groups");
    refuse(!spec.unmatchedArgsBindings().isEmpty(), "@Unmatched");
    refuse(spec.parent() != null || !spec.parentCommandElements().isEmpty(),
        "a parent command");
    holderKeys.put(command, CliModel.SELF);
    Set<Class<?>> fingerprinted = new LinkedHashSet<>();
    hierarchy(command.getClass(), fingerprinted);
    for (Map.Entry<String, CommandSpec> m : spec.mixins().entrySet()) {
      Object mixin = m.getValue().userObject();
      holderKeys.put(mixin, m.getKey());
      hierarchy(mixin.getClass(), fingerprinted);
    }
    out.add(CliModel.HEADER + "\n");
    ClassLoader loader = command.getClass().getClassLoader();
    for (Class<?> c : fingerprinted) {
      record("class", c.getName(), CliModel.fingerprint(loader, c.getName()));
    }
    record("command", command.getClass().getName());
    specAttributes(CliModel.SELF, spec);
    for (Map.Entry<String, CommandSpec> m : spec.mixins().entrySet()) {
      mixin(command, m.getKey(), m.getValue());
    }
    // The command's own arguments and its mixins, in the order picocli added them.
    Set<String> added = new LinkedHashSet<>();
    for (ArgSpec arg : spec.args()) {
      String owner = owner(spec, arg);
      if (owner.equals(CliModel.SELF)) {
        arg(owner, arg);
      } else if (added.add(owner)) {
        record("addmixin", owner);
      }
    }
    for (String key : spec.mixins().keySet()) {
      if (added.add(key)) {
        record("addmixin", key);
      }
    }
    injections(spec);
    return String.join("", out);
  }

  /** The attributes of the command or of a mixin: name, version, usage help texts. */
  private void specAttributes(String key, CommandSpec spec) throws ReflectiveOperationException {
    record("c", key, "name", (String) raw(spec, CommandSpec.class, "name"));
    record("c", key, "toString", (String) raw(spec, CommandSpec.class, "toString"));
    CommandLine.ScopeType scope = (CommandLine.ScopeType) raw(spec, CommandSpec.class,
        "scopeType");
    if (scope != null) {
      record("c", key, "scopeType", scope.name());
    }
    String[] version = (String[]) raw(spec, CommandSpec.class, "version");
    if (version != null && version.length > 0) {
      record(concat(new String[] {"c", key, "version"}, version));
    }
    if (spec.versionProvider() != null) {
      record("c", key, "versionProvider", spec.versionProvider().getClass().getName());
    }
    UsageMessageSpec usage = spec.usageMessage();
    UsageMessageSpec plain = CommandSpec.create().usageMessage();
    for (String a : USAGE_ARRAYS) {
      String[] v = (String[]) raw(usage, UsageMessageSpec.class, a);
      if (!Arrays.equals(v, (String[]) raw(plain, UsageMessageSpec.class, a))) {
        record(concat(new String[] {"c", key, a}, v));
      }
    }
    for (String a : USAGE_STRINGS) {
      Object v = raw(usage, UsageMessageSpec.class, a);
      if (!Objects.equals(v, raw(plain, UsageMessageSpec.class, a))) {
        record("c", key, a, (String) v);
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, String> codes = (Map<String, String>) raw(usage, UsageMessageSpec.class,
        "exitCodeList");
    if (codes != null && !codes.isEmpty()) {
      List<String> r = new ArrayList<>(List.of("c", key, "exitCodeList"));
      codes.forEach((k, v) -> {
        r.add(k);
        r.add(v);
      });
      out.add(ModelText.record(r));
    }
  }

  private void mixin(Object command, String key, CommandSpec mixin)
      throws ReflectiveOperationException, UnsupportedException {
    refuse(!mixin.mixins().isEmpty(), "mixins inside mixin " + key);
    refuse(!mixin.subcommands().isEmpty() || !mixin.argGroups().isEmpty(),
        "subcommands or groups in mixin " + key);
    if (key.equals(HELP_MIXIN) && mixin.userObject().getClass().getName().startsWith("picocli.")) {
      record("mixin", key, CliModel.NO_FIELD, CliModel.NO_FIELD, CliModel.NO_FIELD);
    } else {
      Field f = fieldHolding(command, mixin.userObject());
      refuse(f == null, "mixin " + key + " is not held in a field of the command");
      record("mixin", key, f.getDeclaringClass().getName(), f.getName(),
          mixin.userObject().getClass().getName());
    }
    specAttributes(key, mixin);
    for (ArgSpec arg : mixin.args()) {
      arg(key, arg);
    }
  }

  private String owner(CommandSpec spec, ArgSpec arg) {
    for (Map.Entry<String, CommandSpec> m : spec.mixins().entrySet()) {
      for (ArgSpec a : m.getValue().args()) {
        if (a == arg) {
          return m.getKey();
        }
      }
    }
    return CliModel.SELF;
  }

  private void arg(String owner, ArgSpec arg) throws ReflectiveOperationException,
      UnsupportedException {
    refuse(arg.interactive(), "interactive " + arg);
    refuse(arg.parameterConsumer() != null, "a parameter consumer on " + arg);
    refuse(arg.inherited() || arg.scopeType() != CommandLine.ScopeType.LOCAL,
        "inherited " + arg);
    refuse(!arg.preprocessor().getClass().getName().startsWith("picocli."),
        "a preprocessor on " + arg);
    refuse(NULL_VALUE.equals(raw(arg, ArgSpec.class, "originalDefaultValue")),
        "a null default on " + arg);
    refuse(NULL_VALUE.equals(raw(arg, ArgSpec.class, "originalMapFallbackValue")),
        "a null map fallback on " + arg);
    Object where = arg.userObject();
    String kind = arg instanceof OptionSpec ? "opt" : "pos";
    if (where instanceof Field f && !f.getDeclaringClass().getName().startsWith("picocli.")) {
      record(kind, owner, f.getDeclaringClass().getName(), f.getName());
    } else {
      refuse(!HELP_MIXIN.equals(owner), arg + " is not a field");
      refuse(!(arg.initialValue() instanceof Boolean), "initial value of " + arg);
      record(kind, owner, CliModel.NO_FIELD, CliModel.NO_FIELD);
      record("a", "initial", String.valueOf(arg.initialValue()));
    }
    if (arg instanceof OptionSpec o) {
      refuse((Boolean) raw(o, OptionSpec.class, "help"), "help = true on " + arg);
      refuse(NULL_VALUE.equals(raw(o, OptionSpec.class, "originalFallbackValue")),
          "a null fallback on " + arg);
      record(concat(new String[] {"a", "names"}, (String[]) raw(o, OptionSpec.class, "names")));
      attr("usageHelp", o.usageHelp());
      attr("versionHelp", o.versionHelp());
      attr("negatable", o.negatable());
      attr("order", o.order());
      record("a", "fallback", (String) raw(o, OptionSpec.class, "fallbackValue"));
    } else {
      range("index", (Range) raw(arg, PositionalParamSpec.class, "index"));
    }
    range("arity", arg.arity());
    attr("required", arg.required());
    record("a", "paramLabel", (String) raw(arg, ArgSpec.class, "paramLabel"));
    attr("hideParamSyntax", arg.hideParamSyntax());
    record(concat(new String[] {"a", "description"}, (String[]) raw(arg, ArgSpec.class,
        "description")));
    record("a", "descriptionKey", (String) raw(arg, ArgSpec.class, "descriptionKey"));
    record("a", "split", (String) raw(arg, ArgSpec.class, "splitRegex"));
    record("a", "splitSynopsisLabel", (String) raw(arg, ArgSpec.class,
        "splitRegexSynopsisLabel"));
    attr("hidden", arg.hidden());
    record("a", "type", arg.type().getName());
    record(concat(new String[] {"a", "aux"}, names(arg.auxiliaryTypes())));
    if (arg.converters() != null && arg.converters().length > 0) {
      record(concat(new String[] {"a", "converters"}, names(arg.converters())));
    }
    Iterable<String> candidates = arg.completionCandidates();
    if (candidates != null && !(candidates instanceof List)) {
      // a List is picocli's own, made from an enum type; anything else is the user's class
      record("a", "candidates", candidates.getClass().getName());
    }
    record("a", "defaultValue", (String) raw(arg, ArgSpec.class, "defaultValue"));
    record("a", "showDefault", arg.showDefaultValue().name());
    record("a", "mapFallback", (String) raw(arg, ArgSpec.class, "mapFallbackValue"));
    record("a", "toString", (String) raw(arg, ArgSpec.class, "toString"));
    attr("echo", arg.echo());
    record("a", "prompt", (String) raw(arg, ArgSpec.class, "prompt"));
  }

  /** {@code @Spec} fields: any field of the command or a mixin holding one of the specs. */
  private void injections(CommandSpec spec) throws ReflectiveOperationException {
    Map<Object, String> specKeys = new IdentityHashMap<>();
    specKeys.put(spec, CliModel.SELF);
    spec.mixins().forEach((k, m) -> specKeys.put(m, k));
    for (Map.Entry<Object, String> h : holderKeys.entrySet()) {
      for (Class<?> c = h.getKey().getClass(); c != null && c != Object.class;
          c = c.getSuperclass()) {
        if (c.getName().startsWith("picocli.")) {
          continue;
        }
        for (Field f : c.getDeclaredFields()) {
          if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
            continue;
          }
          f.setAccessible(true);
          String target = specKeys.get(f.get(h.getKey()));
          if (target != null) {
            record("inject", h.getValue(), c.getName(), f.getName(), target);
          }
        }
      }
    }
  }

  private static Field fieldHolding(Object holder, Object value) throws IllegalAccessException {
    for (Class<?> c = holder.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
          f.setAccessible(true);
          if (f.get(holder) == value) {
            return f;
          }
        }
      }
    }
    return null;
  }

  private static void hierarchy(Class<?> c, Set<Class<?>> into) {
    for (; c != null && c != Object.class; c = c.getSuperclass()) {
      if (!c.getName().startsWith("java.") && !c.getName().startsWith("picocli.")) {
        into.add(c);
      }
    }
  }

  private static Object raw(Object o, Class<?> declaring, String field)
      throws ReflectiveOperationException {
    Field f = declaring.getDeclaredField(field);
    f.setAccessible(true);
    return f.get(o);
  }

  private static Object newInstance(Class<?> type) throws ReflectiveOperationException {
    var ctor = type.getDeclaredConstructor();
    ctor.setAccessible(true);
    return ctor.newInstance();
  }

  private static String[] names(Object[] objects) {
    String[] n = new String[objects.length];
    for (int i = 0; i < n.length; i++) {
      n[i] = objects[i] instanceof Class<?> c ? c.getName() : objects[i].getClass().getName();
    }
    return n;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] r = Arrays.copyOf(a, a.length + (b == null ? 0 : b.length));
    if (b != null) {
      System.arraycopy(b, 0, r, a.length, b.length);
    }
    return r;
  }

  private static void refuse(boolean condition, String what) throws UnsupportedException {
    if (condition) {
      throw new UnsupportedException(what);
    }
  }

  private void range(String name, Range r) throws ReflectiveOperationException {
    record("a", name, (String) raw(r, Range.class, "originalValue"),
        String.valueOf(r.isUnspecified()));
  }

  private void attr(String name, Object value) {
    record("a", name, String.valueOf(value));
  }

  private void record(String... fields) {
    out.add(ModelText.record(Arrays.asList(fields)));
  }
}
