// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The line format of a {@link CliModel}: one record per line, fields separated by TAB. In a field
 * a backslash escapes TAB ({@code \t}), newline ({@code \n}), carriage return ({@code \r}) and
 * itself; {@code \0} alone is null.
 */
final class ModelText {
  static final String NULL = "\\0";

  private ModelText() {}

  static String escape(String s) {
    if (s == null) {
      return NULL;
    }
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  static String unescape(String s) {
    if (s.equals(NULL)) {
      return null;
    }
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (++i == s.length()) {
        throw new IllegalArgumentException("dangling backslash in " + s);
      }
      switch (s.charAt(i)) {
        case '\\' -> b.append('\\');
        case 't' -> b.append('\t');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        default -> throw new IllegalArgumentException("bad escape in " + s);
      }
    }
    return b.toString();
  }

  /** One record: its fields, escaped and joined. */
  static String record(List<String> fields) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        b.append('\t');
      }
      b.append(escape(fields.get(i)));
    }
    return b.append('\n').toString();
  }

  /** The records of {@code text}, each split into its unescaped fields; blank lines skipped. */
  static List<String[]> parse(String text) {
    List<String[]> records = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      if (end > start) {
        String[] f = text.substring(start, end).split("\t", -1);
        for (int i = 0; i < f.length; i++) {
          f[i] = unescape(f[i]);
        }
        records.add(f);
      }
      start = end + 1;
    }
    return records;
  }
}
