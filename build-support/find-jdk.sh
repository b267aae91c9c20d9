# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Sourced (POSIX sh) by ./mvnw and by every daemon launcher: finds a JDK whose
# feature release is at least $1 and prints its home. The default `java` on
# the machines we target is older, so we look in order at JAVA_HOME, the
# `java` on PATH and every JDK under /usr/lib/jvm, and name them all when
# none fits instead of letting an old JVM fail with a class-version error.

vhd_java_major() {
  # $1: a JDK/JRE home. Reads the `release` file (no JVM start); falls back
  # to `java -version` for images without one.
  vhd_v=""
  if [ -r "$1/release" ]; then
    vhd_v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release" 2>/dev/null)
  fi
  if [ -z "$vhd_v" ] && [ -x "$1/bin/java" ]; then
    vhd_v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  vhd_v=${vhd_v#1.}
  printf '%s\n' "${vhd_v%%[!0-9]*}"
}

vhd_find_jdk() {
  vhd_min=$1
  vhd_seen=""
  vhd_path_java=""
  if command -v java >/dev/null 2>&1; then
    vhd_path_java=$(readlink -f "$(command -v java)" 2>/dev/null)
    vhd_path_java=${vhd_path_java%/bin/java}
  fi
  for vhd_c in "${JAVA_HOME-}" "$vhd_path_java" /usr/lib/jvm/*; do
    [ -n "$vhd_c" ] && [ -x "$vhd_c/bin/java" ] || continue
    vhd_m=$(vhd_java_major "$vhd_c")
    vhd_seen="$vhd_seen
  $vhd_c (Java ${vhd_m:-unknown})"
    if [ -n "$vhd_m" ] && [ "$vhd_m" -ge "$vhd_min" ]; then
      printf '%s\n' "$vhd_c"
      return 0
    fi
  done
  printf 'error: no JDK %s or newer found. Looked at JAVA_HOME, the java on PATH and /usr/lib/jvm/*:%s\n' \
    "$vhd_min" "${vhd_seen:-
  (no JDK at all)}" >&2
  printf 'Install one (e.g. apt-get install openjdk-25-jdk-headless or Temurin 25) or set JAVA_HOME.\n' >&2
  return 1
}
