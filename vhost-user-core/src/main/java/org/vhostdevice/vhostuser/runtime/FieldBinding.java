// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;

/**
 * Binds an option built from a {@link CliModel} to the field it was declared on, as picocli's own
 * field binding does for annotated fields. Through a {@link VarHandle} rather than
 * {@link Field#get}: core reflection adapts a method handle to {@code (Object)Object} for every
 * field and so generates method-handle classes at each start. Each access below has the
 * erased type of the field's own access mode (a reference, or the primitive itself), which
 * links without any adaptation.
 */
final class FieldBinding implements IGetter, ISetter {
  private final Object holder;
  private final VarHandle handle;
  private final Class<?> type;

  private FieldBinding(Object holder, VarHandle handle, Class<?> type) {
    this.holder = holder;
    this.handle = handle;
    this.type = type;
  }

  static FieldBinding of(Object holder, Class<?> declaring, String name)
      throws ReflectiveOperationException {
    if (!declaring.isInstance(holder)) {
      throw new IllegalArgumentException(name + " is not a field of " + holder.getClass());
    }
    Field f = declaring.getDeclaredField(name);
    VarHandle h = MethodHandles.privateLookupIn(declaring, MethodHandles.lookup())
        .unreflectVarHandle(f);
    return new FieldBinding(holder, h, f.getType());
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get() {
    Object v;
    if (!type.isPrimitive()) {
      v = (Object) handle.get(holder);
    } else if (type == int.class) {
      v = (int) handle.get(holder);
    } else if (type == long.class) {
      v = (long) handle.get(holder);
    } else if (type == boolean.class) {
      v = (boolean) handle.get(holder);
    } else if (type == short.class) {
      v = (short) handle.get(holder);
    } else if (type == byte.class) {
      v = (byte) handle.get(holder);
    } else if (type == char.class) {
      v = (char) handle.get(holder);
    } else if (type == float.class) {
      v = (float) handle.get(holder);
    } else {
      v = (double) handle.get(holder);
    }
    return (T) v;
  }

  @Override
  public <T> T set(T value) {
    T old = get();
    if (!type.isPrimitive()) {
      handle.set(holder, (Object) value);
    } else if (type == int.class) {
      handle.set(holder, (int) (Integer) value);
    } else if (type == long.class) {
      handle.set(holder, (long) (Long) value);
    } else if (type == boolean.class) {
      handle.set(holder, (boolean) (Boolean) value);
    } else if (type == short.class) {
      handle.set(holder, (short) (Short) value);
    } else if (type == byte.class) {
      handle.set(holder, (byte) (Byte) value);
    } else if (type == char.class) {
      handle.set(holder, (char) (Character) value);
    } else if (type == float.class) {
      handle.set(holder, (float) (Float) value);
    } else {
      handle.set(holder, (double) (Double) value);
    }
    return old;
  }

  @Override
  public String toString() {
    return "FieldBinding(" + type.getName() + " of " + holder.getClass().getName() + ")";
  }
}
