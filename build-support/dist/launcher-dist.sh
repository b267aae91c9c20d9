#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# @daemon.name@ as the vhost-device-java package installs it: the bundled Java runtime, the AOT
# cache trained at build time (classes loaded and linked ahead of time: a fast start), and the
# junixsocket native library unpacked at install time. Paths are relative to this script, so an
# unpacked package (dpkg -x) runs from wherever it lies.
# Extra JVM options: VHOST_DEVICE_JAVA_OPTS (options that change the heap or GC make the JVM
# ignore the AOT cache; it still runs).
set -eu
self=$(readlink -f "$0")
base=$(dirname "$(dirname "$self")")
name=$(basename "$self")
# SerialGC and small thread stacks: a daemon's heap is tiny and its threads few. C2 stays on: a
# C1-only JIT doubles the cost of the virtqueue hot path. Training runs use the same flags.
jvm_flags="-XX:+UseSerialGC -Xss256k -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED"
aot=""
if [ -r "$base/aot/$name.aot" ]; then
  aot="-XX:AOTCache=$base/aot/$name.aot -Xlog:aot=off -Xlog:cds=off"
fi
# shellcheck disable=SC2086
exec "$base/runtime/bin/java" $jvm_flags $aot \
  -Dorg.newsclub.net.unix.library.override="$base/lib/native/libjunixsocket-native.so" \
  ${VHOST_DEVICE_JAVA_OPTS-} -jar "$base/lib/$name.jar" "$@"
