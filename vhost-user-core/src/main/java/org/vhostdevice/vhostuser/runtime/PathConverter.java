// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@link Path} options without reflection: picocli converts them by calling
 * {@code Paths.get} through {@code Method.invoke}, which spins method-handle classes at every
 * start. Same result and the same error text as picocli's own converter.
 */
final class PathConverter implements ITypeConverter<Path> {
  @Override
  public Path convert(String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new TypeConversionException(
          String.format("cannot convert '%s' to %s (%s)", value, Path.class, e));
    }
  }
}
