// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FieldBindingTest {
  static class Base {
    int count = 1;
  }

  static final class Holder extends Base {
    long big;
    boolean flag;
    char letter;
    double ratio;
    Path path;
  }

  @Test
  void readsAndWritesPrimitiveFieldsAndReturnsTheOldValue() throws Exception {
    Holder h = new Holder();
    FieldBinding count = FieldBinding.of(h, Base.class, "count");
    assertEquals(1, (int) count.<Integer>set(5));
    assertEquals(5, h.count);
    FieldBinding.of(h, Holder.class, "big").set(Long.MAX_VALUE);
    FieldBinding.of(h, Holder.class, "flag").set(true);
    FieldBinding.of(h, Holder.class, "letter").set('x');
    FieldBinding.of(h, Holder.class, "ratio").set(0.5);
    assertEquals(Long.MAX_VALUE, h.big);
    assertEquals(true, h.flag);
    assertEquals('x', h.letter);
    assertEquals(0.5, h.ratio);
    assertEquals(Long.MAX_VALUE, (long) FieldBinding.of(h, Holder.class, "big").<Long>get());
  }

  @Test
  void readsAndWritesReferenceFields() throws Exception {
    Holder h = new Holder();
    FieldBinding path = FieldBinding.of(h, Holder.class, "path");
    path.set(Path.of("/a"));
    assertEquals(Path.of("/a"), h.path);
    assertEquals(Path.of("/a"), path.get());
  }

  @Test
  void aValueOfTheWrongTypeIsRefused() throws Exception {
    FieldBinding path = FieldBinding.of(new Holder(), Holder.class, "path");
    assertThrows(ClassCastException.class, () -> path.set("not a path"));
  }

  @Test
  void aFieldOfAnotherClassIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> FieldBinding.of(new Base(), Holder.class, "path"));
  }
}
