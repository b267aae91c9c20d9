// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The daemons' logging, set up in code: stderr only (QEMU's conventions keep fds 0-2 for the
 * frontend's use, and journald captures stderr), INFO by default. Found by logback through
 * ServiceLoader. Configuring in code rather than with logback.xml skips logback's XML machinery,
 * a large part of a daemon's start-up (docs/performance.md). A user's own file still wins:
 * {@code -Dlogback.configurationFile=...} hands configuration back to logback's usual chain.
 *
 * <p>No {@code @ConfiguratorRank}: logback reads that annotation at start-up, and reading an
 * annotation makes the JDK generate a proxy class that no AOT cache holds (docs/performance.md).
 * The rank only orders configurators found as services, and a daemon's jar has this one only.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
