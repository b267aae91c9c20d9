// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import sun.misc.Signal;

/**
 * The {@code main} of every daemon: picocli parsing with the project's exit codes (0 ok, 1 start
 * failure, 2 bad usage), and SIGTERM/SIGINT ending the process promptly with status 0 after the
 * socket files are removed. Devices call {@link #run} from their own {@code main}.
 */
public final class DaemonMain {
  private static final Logger LOG = LoggerFactory.getLogger(DaemonMain.class);

  private DaemonMain() {}

  /**
   * Parses {@code args} into {@code command} (a picocli {@code Callable<Integer>} that builds its
   * device and calls {@link #serve}) and runs it. Returns the process exit status.
   */
  public static int run(Object command, String[] args) {
    // The model written at build time, or (without one) picocli reading the annotations.
    CommandLine cl = CliModel.commandLine(command);
    if (cl == null) {
      cl = new CommandLine(command);
    }
    cl.registerConverter(Path.class, new PathConverter());
    cl.setExecutionExceptionHandler(
        (e, line, parseResult) -> {
          if (e instanceof UsageException) {
            line.getErr().println(line.getCommandName() + ": " + e.getMessage());
            line.getErr().println("Try '" + line.getCommandName() + " --help' for more information.");
            return 2;
          }
          String why = e.getMessage() != null ? e.getMessage() : e.toString();
          LOG.error("{}: {}", line.getCommandName(), why);
          return 1;
        });
    cl.setOut(new PrintWriter(System.out, true));
    cl.setErr(new PrintWriter(System.err, true));
    return cl.execute(args);
  }

  /**
   * Serves until a signal ends the process. Installs the SIGTERM/SIGINT handlers: the socket
   * files are removed and the process exits 0, as QEMU's backend conventions ask.
   */
  public static int serve(Daemon daemon) throws Exception {
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(daemon::stop));
    Signal.handle(new Signal("TERM"), s -> exitOnSignal());
    Signal.handle(new Signal("INT"), s -> exitOnSignal());
    return daemon.run(System.out);
  }

  private static void exitOnSignal() {
    // System.exit runs the shutdown hook above (unlinking sockets) and then ends with status 0.
    Thread.ofPlatform().start(() -> System.exit(0));
  }
}
