// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps -v / --log-level onto logback's root logger (stderr only, see {@link LogConfigurator}). */
final class Logging {
  private Logging() {}

  static void configure(String logLevel, int verbosity) throws UsageException {
    Level level;
    if (logLevel != null) {
      level = Level.toLevel(logLevel.toUpperCase(java.util.Locale.ROOT), null);
      if (level == null) {
        throw new UsageException("unknown --log-level '" + logLevel
            + "' (use off, error, warn, info, debug or trace)");
      }
    } else {
      level = verbosity >= 2 ? Level.TRACE : verbosity == 1 ? Level.DEBUG : Level.INFO;
    }
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level);
    }
  }
}
