#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Launcher for @daemon.name@: finds a JDK >= 25 by itself (JAVA_HOME, the java on
# PATH, /usr/lib/jvm/*) and runs the daemon's jar from the directory of this script.
# Extra JVM options: VHOST_DEVICE_JAVA_OPTS.
set -eu
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
. "$here/find-jdk.sh"
java_home=$(vhd_find_jdk 25) || exit 1
# SerialGC and small thread stacks: a daemon's heap is tiny and its threads few.
# C2 stays on: a C1-only JIT doubles the cost of the virtqueue hot path.
exec "$java_home/bin/java" -XX:+UseSerialGC -Xss256k -XX:+ExitOnOutOfMemoryError \
  --enable-native-access=ALL-UNNAMED ${VHOST_DEVICE_JAVA_OPTS-} \
  -jar "$here/@daemon.name@.jar" "$@"
