// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.vhostuser.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Boots the real Linux guest of the end-to-end tests under QEMU: Debian's kernel and a busybox
 * initramfs built once per machine by {@code tools/guest/build-guest.sh}, plus a per-test cpio
 * holding {@code /test.sh}. Guest RAM is a shared memfd, so vhost-user backends can reach it.
 * The guest prints {@code VHD-RESULT: PASS} or {@code FAIL} on the serial console and powers off.
 */
public final class GuestVm {
  private static final String QEMU = "qemu-system-x86_64";
  private static Path guestDir;
  private static String accel;

  /** What a boot printed on its serial console, and how QEMU ended. */
  public record Result(int exitCode, String console, boolean timedOut) {
    public boolean passed() {
      return !timedOut && console.contains("VHD-RESULT: PASS");
    }
  }

  private GuestVm() {}

  /** The project root: where tools/guest lives (set by the build, else found upwards). */
  public static Path projectRoot() {
    String set = System.getProperty("vhd.project.root");
    if (set != null) {
      return Path.of(set);
    }
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("tools/guest/build-guest.sh"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find tools/guest/build-guest.sh above the working directory");
    }
    return p;
  }

  /** Why guests cannot be booted here (and how to fix it), or null if they can. */
  public static String unavailableReason() {
    for (String tool : new String[] {QEMU, "cpio", "depmod", "apt-get", "dpkg-deb"}) {
      if (!onPath(tool)) {
        return tool + " is not installed: apt-get install qemu-system-x86 busybox-static cpio kmod"
            + " (.ci/run does this)";
      }
    }
    if (!Files.isExecutable(Path.of("/bin/busybox"))) {
      return "busybox is not installed: apt-get install busybox-static";
    }
    return null;
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Builds (or finds in the cache) the guest kernel and base initramfs. */
  public static synchronized Path guest() throws IOException, InterruptedException {
    if (guestDir == null) {
      Process p = new ProcessBuilder(projectRoot().resolve("tools/guest/build-guest.sh").toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0 || out.isEmpty()) {
        throw new IOException("tools/guest/build-guest.sh failed (exit " + p.exitValue() + ")");
      }
      guestDir = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
    }
    return guestDir;
  }

  /**
   * KVM when it really runs this guest, else TCG. On some machines /dev/kvm exists but cannot
   * run a guest, so one probe boot decides (override: VHD_GUEST_ACCEL=kvm|tcg).
   */
  public static synchronized String accel() throws IOException, InterruptedException {
    if (accel != null) {
      return accel;
    }
    String forced = System.getenv("VHD_GUEST_ACCEL");
    if (forced != null && !forced.isBlank()) {
      return accel = forced;
    }
    accel = "tcg";
    Path kvm = Path.of("/dev/kvm");
    if (Files.isReadable(kvm) && Files.isWritable(kvm)) {
      Path work = Files.createTempDirectory("vhd-kvm-probe");
      Path initrd = initrd("true", work);
      List<String> cmd = new ArrayList<>(command(initrd, List.of()));
      cmd.set(cmd.indexOf("tcg"), "kvm");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(work.resolve("console.txt").toFile()).start();
      boolean done = p.waitFor(60, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      if (done && Files.readString(work.resolve("console.txt"), StandardCharsets.ISO_8859_1)
          .contains("VHD-RESULT: PASS")) {
        accel = "kvm";
      }
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    System.err.println("[guest] accelerator: " + accel);
    return accel;
  }

  /** The uncompressed kernel when there is one (PVH boot, seconds faster under TCG). */
  public static Path kernel() throws IOException, InterruptedException {
    Path vmlinux = guest().resolve("vmlinux");
    return Files.exists(vmlinux) ? vmlinux : guest().resolve("vmlinuz");
  }

  /** The initramfs for one test: the cached base plus a cpio holding {@code script} as /test.sh. */
  static Path initrd(String script, Path work) throws IOException, InterruptedException {
    return initrd(script, work, Map.of());
  }

  /**
   * The initramfs for one test: the cached base plus a cpio holding {@code script} as /test.sh
   * and {@code files} (guest path relative to /, e.g. "bin/helper" → host file) with their modes.
   */
  static Path initrd(String script, Path work, Map<String, Path> files)
      throws IOException, InterruptedException {
    Path extra = Files.createDirectories(work.resolve("extra"));
    Path test = extra.resolve("test.sh");
    Files.writeString(test, "#!/bin/sh\nset -e\n" + script + "\n");
    Files.setPosixFilePermissions(test, PosixFilePermissions.fromString("rwxr-xr-x"));
    StringBuilder names = new StringBuilder("test.sh\n");
    for (Map.Entry<String, Path> f : new java.util.TreeMap<>(files).entrySet()) {
      Path target = extra.resolve(f.getKey()).normalize();
      if (!target.startsWith(extra)) {
        throw new IllegalArgumentException("guest path outside the initramfs: " + f.getKey());
      }
      Files.createDirectories(target.getParent());
      Files.copy(f.getValue(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      // cpio needs each parent directory listed before the file
      for (Path d = extra.relativize(target).getParent(); d != null; d = d.getParent()) {
        names.insert(0, d + "\n");
      }
      names.append(extra.relativize(target)).append('\n');
    }
    Path cpio = work.resolve("test.cpio");
    Process p = new ProcessBuilder("cpio", "-o", "-H", "newc", "--quiet")
        .directory(extra.toFile())
        .redirectOutput(cpio.toFile())
        .start();
    try (OutputStream out = p.getOutputStream()) {
      out.write(names.toString().getBytes(StandardCharsets.UTF_8));
    }
    if (p.waitFor() != 0) {
      throw new IOException("cpio failed");
    }
    // The kernel unpacks concatenated archives in order: the base, then our test files.
    Path initrd = work.resolve("initrd.img");
    byte[] base = Files.readAllBytes(guest().resolve("initrd.cpio.gz"));
    // The kernel looks for the next archive's header at a 4-byte boundary and skips zero bytes
    // up to it: pad the compressed base so our cpio starts where it is looked for.
    Files.write(initrd, java.util.Arrays.copyOf(base, (base.length + 3) & ~3));
    Files.write(initrd, Files.readAllBytes(cpio), java.nio.file.StandardOpenOption.APPEND);
    return initrd;
  }

  /** The QEMU command line for a guest with {@code devices} (e.g. -chardev/-device pairs). */
  public static List<String> command(Path initrd, List<String> devices) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        QEMU, "-M", "q35", "-accel", accel(), "-m", "256", "-smp", "1",
        "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
        "-kernel", kernel().toString(),
        "-initrd", initrd.toString(),
        // default_quality=0: no kernel thread draining the hwrng in the background.
        "-append", "console=ttyS0 quiet panic=-1 rng_core.default_quality=0",
        // Without shared memfd RAM a vhost-user backend cannot see guest memory.
        "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
        "-numa", "node,memdev=mem"));
    cmd.addAll(devices);
    return cmd;
  }

  /** Starts a guest running {@code script}; its console goes to {@code work/console.txt}. */
  public static Process start(String script, List<String> devices, Path work)
      throws IOException, InterruptedException {
    return start(script, devices, work, Map.of());
  }

  /** As {@link #start(String, List, Path)}, with extra files in the guest (see {@link #initrd}). */
  public static Process start(String script, List<String> devices, Path work,
      Map<String, Path> files) throws IOException, InterruptedException {
    Path initrd = initrd(script, work, files);
    return new ProcessBuilder(command(initrd, devices))
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("console.txt").toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
  }

  /** Boots a guest running {@code script} and waits for it to power off (or kills it). */
  public static Result boot(String script, List<String> devices, Duration timeout, Path work)
      throws IOException, InterruptedException {
    return boot(script, devices, timeout, work, Map.of());
  }

  /** As {@link #boot(String, List, Duration, Path)}, with extra files in the guest. */
  public static Result boot(String script, List<String> devices, Duration timeout, Path work,
      Map<String, Path> files) throws IOException, InterruptedException {
    Process qemu = start(script, devices, work, files);
    boolean done = qemu.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String console = Files.readString(work.resolve("console.txt"), StandardCharsets.ISO_8859_1);
    return new Result(done ? qemu.exitValue() : -1, console, !done);
  }
}
