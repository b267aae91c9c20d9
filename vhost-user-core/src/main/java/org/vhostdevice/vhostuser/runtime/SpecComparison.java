// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Build-time check that a command rebuilt from its {@link CliModel} is the command picocli reads
 * from the annotations: walks both picocli object graphs field by field (picocli's own classes,
 * all their fields) and reports the first difference. Only the bindings differ by design (the
 * annotated field wrappers and the cached initial values, compared through picocli's API by
 * {@link CliModelWriter}); every other field must match, so an attribute the model does not
 * carry shows up here instead of as a daemon whose options changed.
 */
final class SpecComparison {
  /** Fields that hold the binding to the user's objects, not the command's behaviour. */
  private static final Set<String> BINDINGS = Set.of(
      "ArgSpec.userObject", "ArgSpec.annotatedElement", "ArgSpec.getter", "ArgSpec.setter",
      "ArgSpec.scope", "ArgSpec.initialValue", "ArgSpec.initialValueState",
      "ArgSpec.hasInitialValue",
      // only compared against NULL_VALUE by picocli; CliModelWriter refuses that value
      "ArgSpec.originalDefaultValue", "ArgSpec.originalMapFallbackValue",
      "OptionSpec.originalFallbackValue",
      // the generic type's names, which nothing but RuntimeTypeInfo.toString reads
      "RuntimeTypeInfo.actualGenericTypeArguments",
      "CommandSpec.userObject", "CommandSpec.mixinAnnotatedElements",
      // the @Spec fields, which picocli sets once while reading the annotations (the model
      // sets the same fields; CliModelWriter finds them by the spec they hold)
      "CommandSpec.specElements",
      // the annotations' precomputed capacity, which the model lets picocli compute; only read
      // while positionals are added, and the resulting capacity is compared
      "PositionalParamSpec.builderCapacity");

  private final IdentityHashMap<Object, Object> visited = new IdentityHashMap<>();

  private SpecComparison() {}

  /** The first difference between {@code a} and {@code b}, or null if there is none. */
  static String difference(Object a, Object b) {
    return new SpecComparison().compare(a, b, "spec");
  }

  private String compare(Object a, Object b, String path) {
    if (a == b) {
      return null;
    }
    if (a == null || b == null) {
      return path + ": " + a + " vs " + b;
    }
    if (a instanceof Collection<?> ca && b instanceof Collection<?> cb) {
      return compareIterables(ca.size(), ca, cb.size(), cb, path);
    }
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      return compareIterables(ma.size(), ma.entrySet(), mb.size(), mb.entrySet(), path);
    }
    if (a instanceof Map.Entry<?, ?> ea && b instanceof Map.Entry<?, ?> eb) {
      String d = compare(ea.getKey(), eb.getKey(), path + ".key");
      return d != null ? d : compare(ea.getValue(), eb.getValue(), path + "[" + ea.getKey() + "]");
    }
    if (a.getClass() != b.getClass()) {
      return path + ": " + a.getClass().getName() + " vs " + b.getClass().getName();
    }
    Class<?> c = a.getClass();
    if (c.isArray()) {
      int n = Array.getLength(a);
      if (n != Array.getLength(b)) {
        return path + ": length " + n + " vs " + Array.getLength(b);
      }
      for (int i = 0; i < n; i++) {
        String d = compare(Array.get(a, i), Array.get(b, i), path + "[" + i + "]");
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (!c.getName().startsWith("picocli.")) {
      // Values compare by equality; the user's own objects (converters, the version provider)
      // are created fresh for each command, so only their classes can match.
      boolean value = a instanceof CharSequence || a instanceof Number || a instanceof Boolean
          || a instanceof Character || a instanceof Enum<?> || a instanceof Class<?>;
      return !value || a.equals(b) ? null : path + ": " + a + " vs " + b;
    }
    Object seen = visited.put(a, b);
    if (seen != null) {
      return seen == b ? null : path + ": reached twice along different paths";
    }
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || BINDINGS.contains(
            k.getSimpleName() + "." + f.getName())) {
          continue;
        }
        f.setAccessible(true);
        try {
          String d = compare(f.get(a), f.get(b), path + "." + f.getName());
          if (d != null) {
            return d;
          }
        } catch (IllegalAccessException e) {
          return path + "." + f.getName() + ": unreadable (" + e.getMessage() + ")";
        }
      }
    }
    return null;
  }

  private String compareIterables(int na, Iterable<?> a, int nb, Iterable<?> b, String path) {
    if (na != nb) {
      return path + ": " + na + " vs " + nb + " elements";
    }
    Iterator<?> ib = b.iterator();
    int i = 0;
    for (Object x : a) {
      String d = compare(x, ib.next(), path + "[" + i++ + "]");
      if (d != null) {
        return d;
      }
    }
    return null;
  }
}
