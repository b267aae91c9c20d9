// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Build-time generator of a daemon's man page (section 1) and bash completion script from its
 * picocli definition, so the documentation cannot drift from the options the daemon accepts.
 * The man page's EXAMPLE is the module README's first code block that runs QEMU.
 *
 * <p>Usage: {@code DocGen COMMAND-CLASS README OUT-DIR}; writes {@code OUT-DIR/man/man1/NAME.1}
 * and {@code OUT-DIR/bash-completion/completions/NAME}.
 */
public final class DocGen {
  private DocGen() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: DocGen COMMAND-CLASS README OUT-DIR");
      System.exit(2);
    }
    Object command = Class.forName(args[0]).getDeclaredConstructor().newInstance();
    CommandLine cl = new CommandLine(command);
    Path readmePath = Path.of(args[1]);
    String readme = Files.exists(readmePath)
        ? Files.readString(readmePath, StandardCharsets.UTF_8) : "";
    Path out = Path.of(args[2]);
    String name = cl.getCommandName();
    Path man = out.resolve("man/man1/" + name + ".1");
    Files.createDirectories(man.getParent());
    Files.writeString(man, manPage(cl, qemuExample(readme)), StandardCharsets.UTF_8);
    Path completion = out.resolve("bash-completion/completions/" + name);
    Files.createDirectories(completion.getParent());
    Files.writeString(completion, AutoComplete.bash(name, cl), StandardCharsets.UTF_8);
  }

  /** The first fenced code block of {@code readme} that starts QEMU, or null. */
  static String qemuExample(String readme) {
    List<String> block = null;
    for (String line : readme.split("\n", -1)) {
      if (line.startsWith("```")) {
        if (block == null) {
          block = new ArrayList<>();
          continue;
        }
        String text = String.join("\n", block);
        if (text.contains("qemu-system")) {
          return text;
        }
        block = null;
      } else if (block != null) {
        block.add(line);
      }
    }
    return null;
  }

  /** The man page in troff (man macros). */
  static String manPage(CommandLine cl, String example) {
    CommandSpec spec = cl.getCommandSpec();
    String name = cl.getCommandName();
    StringBuilder m = new StringBuilder();
    String date = LocalDate.now(ZoneOffset.UTC).toString();
    String version = spec.version().length > 0 ? spec.version()[0] : "";
    m.append(".\\\" SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause\n");
    m.append(".\\\" Generated from the picocli definition by DocGen; edit the sources, not this.\n");
    m.append(".TH ").append(quoted(name.toUpperCase(Locale.ROOT))).append(" 1 ")
        .append(quoted(date)).append(' ').append(quoted(version))
        .append(" \"vhost-device-java\"\n");
    m.append(".SH NAME\n").append(escape(name)).append(" \\- ")
        .append(escape(String.join(" ", spec.usageMessage().description()))).append('\n');
    m.append(".SH SYNOPSIS\n.B ").append(escape(name)).append("\n[\\fIOPTIONS\\fR]");
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (!p.hidden()) {
        m.append(" [\\fI").append(escape(p.paramLabel())).append("\\fR...]");
      }
    }
    m.append('\n');
    m.append(".SH DESCRIPTION\n").append(escape(String.join(" ",
        spec.usageMessage().description()))).append(
        "\n.PP\nThe daemon serves a vhost-user frontend (QEMU) on a Unix socket: one it creates"
        + " (\\fB\\-\\-socket\\-path\\fR), one it inherits (\\fB\\-\\-socket\\-fd\\fR), or one"
        + " systemd hands it by socket activation. When a frontend disconnects the daemon"
        + " serves the next one.\n");
    m.append(".SH OPTIONS\n");
    for (OptionSpec o : spec.options()) {
      if (o.hidden()) {
        continue;
      }
      m.append(".TP\n");
      List<String> names = new ArrayList<>();
      for (String n : o.names()) {
        names.add("\\fB" + escape(n) + "\\fR");
      }
      m.append(String.join(", ", names));
      if (o.typeInfo().isBoolean() || o.arity().max() == 0) {
        m.append('\n');
      } else {
        m.append(" \\fI").append(escape(o.paramLabel())).append("\\fR\n");
      }
      m.append(escape(description(o))).append('\n');
    }
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (!p.hidden()) {
        m.append(".TP\n\\fI").append(escape(p.paramLabel())).append("\\fR\n")
            .append(escape(String.join(" ", p.description()))).append('\n');
      }
    }
    m.append(".SH EXIT STATUS\n.TP\n0\nStopped by SIGTERM or SIGINT, or help/version/capabilities"
        + " printed.\n.TP\n1\nThe daemon could not start (a socket or host resource could not be"
        + " opened).\n.TP\n2\nBad usage: an unknown option or an invalid value.\n");
    m.append(".SH ENVIRONMENT\n.TP\n.B VHOST_DEVICE_JAVA_OPTS\nExtra options for the Java"
        + " virtual machine the launcher starts.\n.TP\n.B LISTEN_FDS, LISTEN_PID\nsystemd socket"
        + " activation: with neither socket option given, the daemon serves the sockets systemd"
        + " passed from fd 3 on.\n");
    if (example != null) {
      m.append(".SH EXAMPLE\n.nf\n.RS 4\n").append(escapeLiteral(example)).append("\n.RE\n.fi\n");
    }
    m.append(".SH SEE ALSO\n.BR qemu-system-x86_64 (1),\n.BR systemd.socket (5)\n");
    return m.toString();
  }

  private static String description(OptionSpec o) {
    String d = String.join(" ", o.description());
    String def = o.defaultValue() != null ? o.defaultValue() : "";
    d = d.replace("${DEFAULT-VALUE}", def);
    if (o.completionCandidates() != null) {
      List<String> c = new ArrayList<>();
      o.completionCandidates().forEach(c::add);
      d = d.replace("${COMPLETION-CANDIDATES}", String.join(", ", c));
    }
    return d;
  }

  private static String quoted(String s) {
    return "\"" + s.replace("\"", "") + "\"";
  }

  /** Escapes text for troff: backslashes, and a leading dot or quote that would be a request. */
  static String escape(String s) {
    String e = s.replace("\\", "\\e").replace("-", "\\-");
    return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
  }

  private static String escapeLiteral(String block) {
    List<String> lines = new ArrayList<>();
    for (String line : block.split("\n", -1)) {
      lines.add(escape(line));
    }
    return String.join("\n", lines);
  }
}
