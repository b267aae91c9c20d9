#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Launcher for @daemon.name@: finds a JDK >= 25 by itself (JAVA_HOME, the java on
# PATH, /usr/lib/jvm/*) and runs the daemon's jar from the directory of this script.
# Extra JVM options: VHOST_DEVICE_JAVA_OPTS.
set -eu
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
. "$here/find-jdk.sh"
java_home=$(vhd_find_jdk 25) || exit 1
# Class-data sharing: the first start writes an archive of the classes it loaded, later starts
# map it (about 400 ms less, docs/performance.md). The JVM checks it against the jar and makes a
# new one when the jar changed. Skipped when there is no writable cache directory.
cds=""
cache="${VHOST_DEVICE_CDS_DIR:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/vhost-device-java}"
if mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; then
  cds="-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$cache/@daemon.name@.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
fi
# SerialGC and small thread stacks: a daemon's heap is tiny and its threads few.
# C2 stays on: a C1-only JIT doubles the cost of the virtqueue hot path.
# shellcheck disable=SC2086
exec "$java_home/bin/java" -XX:+UseSerialGC -Xss256k -XX:+ExitOnOutOfMemoryError $cds \
  --enable-native-access=ALL-UNNAMED ${VHOST_DEVICE_JAVA_OPTS-} \
  -jar "$here/@daemon.name@.jar" "$@"
