#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# The dist build: from every daemon module built in this reactor (those with a target/dist
# tree), stage one installation tree and package it:
#   usr/lib/vhost-device/runtime/     a jlink Java runtime that all daemons share
#   usr/lib/vhost-device/lib/*.jar     the daemons' fat jars (+ native/ junixsocket library)
#   usr/lib/vhost-device/aot/*.aot     an AOT cache per daemon, trained at build time
#   usr/lib/vhost-device/bin/NAME      launchers on the bundled runtime; usr/bin/NAME links
#   usr/share/man/man1, bash-completion, qemu/vhost-user/*.json, lib/systemd/system units
# and builds OUT/vhost-device-java_VERSION_amd64.deb from it with dpkg-deb.
#
# Usage: build-dist.sh ROOT BUILD_DIR_NAME OUT VERSION JAVA_HOME
set -euo pipefail
root=$1 build=$2 out=$3 version=$4 jdk=$5
here="$root/build-support/dist"
prefix=usr/lib/vhost-device
stage="$out/root"
step() { printf '[dist] %s\n' "$*" >&2; }

rm -rf "$stage"
mkdir -p "$stage/$prefix"/{lib/native,bin,aot} "$stage/usr/bin" "$stage/etc/vhost-device" \
  "$stage/var/lib/vhost-device"

daemons=()
for dist in "$root"/*/"$build"/dist "$root"/staging/*/"$build"/dist; do
  [ -d "$dist" ] || continue
  module=$(dirname "$(dirname "$dist")")
  for jar in "$module/$build"/bin/*.jar; do
    [ -e "$jar" ] || continue
    name=$(basename "$jar" .jar)
    daemons+=("$name")
    cp "$jar" "$stage/$prefix/lib/"
    cp -r "$dist/." "$stage/usr/"
    sed "s/@daemon.name@/$name/g" "$here/launcher-dist.sh" > "$stage/$prefix/bin/$name"
    chmod 755 "$stage/$prefix/bin/$name"
    ln -sf "../lib/vhost-device/bin/$name" "$stage/usr/bin/$name"
    if [ -f "$module/src/dist/training-args" ]; then
      cp "$module/src/dist/training-args" "$out/$name.training-args"
    else
      rm -f "$out/$name.training-args"
    fi
  done
done
[ ${#daemons[@]} -gt 0 ] || { echo "dist: no daemon module with a $build/dist tree" >&2; exit 1; }
step "daemons: ${daemons[*]}"
# The systemd units go to /lib/systemd/system (the Debian 12 location); dist trees keep lib/.
if [ -d "$stage/usr/lib/systemd" ]; then
  mkdir -p "$stage/lib" && mv "$stage/usr/lib/systemd" "$stage/lib/"
fi
gzip -9n "$stage"/usr/share/man/man1/*.1

# junixsocket's native library, unpacked once here instead of into /tmp at every start.
jar0="$stage/$prefix/lib/${daemons[0]}.jar"
native=$("$jdk/bin/jar" tf "$jar0" | grep 'lib/amd64-Linux-clang/jni/libjunixsocket-native-[0-9.]*\.so$' || true)
[ -n "$native" ] || { echo "dist: no junixsocket amd64 library in $jar0" >&2; exit 1; }
(mkdir -p "$out/native" && cd "$out/native" && "$jdk/bin/jar" xf "$jar0" "$native")
cp "$out/native/$native" "$stage/$prefix/lib/native/libjunixsocket-native.so"

step "jlink runtime"
modules=$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps \
  "$stage/$prefix"/lib/*.jar)
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --generate-cds-archive --output "$stage/$prefix/runtime" >/dev/null
step "runtime modules: $modules"

# AOT caches (JEP 483/514): one training run per daemon on the bundled runtime, with the flags the
# launcher uses. A daemon with src/dist/training-args starts on a scratch socket (@SOCK@) and is
# probed once by the project's frontend; the others train on --print-capabilities.
for name in "${daemons[@]}"; do
  step "AOT cache: $name"
  java=("$stage/$prefix/runtime/bin/java" $(sed -n 's/^jvm_flags="\(.*\)"$/\1/p' "$here/launcher-dist.sh")
    "-Dorg.newsclub.net.unix.library.override=$stage/$prefix/lib/native/libjunixsocket-native.so")
  jar="$stage/$prefix/lib/$name.jar"
  aot="$stage/$prefix/aot/$name.aot"
  log="$out/$name.aot.log"
  if [ -f "$out/$name.training-args" ]; then
    tmp=$(mktemp -d)
    # shellcheck disable=SC2046
    "${java[@]}" -XX:AOTCacheOutput="$aot" -jar "$jar" \
      $(sed "s|@SOCK@|$tmp/train.sock|g" "$out/$name.training-args") > "$log" 2>&1 &
    pid=$!
    sock=""
    for _ in $(seq 1 400); do
      sock=$(find "$tmp" -type s 2>/dev/null | head -n 1)
      [ -n "$sock" ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    if [ -n "$sock" ]; then
      "${java[@]}" -cp "$jar" org.vhostdevice.vhostuser.frontend.ProbeMain "$sock" >> "$log" 2>&1 ||
        step "probe of $name failed (cache still written)"
    fi
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || true
    rm -rf "$tmp"
  else
    "${java[@]}" -XX:AOTCacheOutput="$aot" -jar "$jar" --print-capabilities > "$log" 2>&1 || true
  fi
  [ -s "$aot" ] || { echo "dist: no AOT cache for $name (see $log)" >&2; exit 1; }
done

step "debian package"
deb_version=${version//-/\~}
mkdir -p "$stage/DEBIAN" "$stage/usr/share/doc/vhost-device-java"
cp "$root/LICENSE-APACHE" "$root/LICENSE-BSD-3-Clause" "$stage/usr/share/doc/vhost-device-java/"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
{
  echo "Package: vhost-device-java"
  echo "Version: $deb_version"
  echo "Architecture: amd64"
  echo "Maintainer: vhost-device-java maintainers <maintainers@users.noreply.example>"
  echo "Installed-Size: $size"
  echo "Depends: libc6, zlib1g"
  echo "Recommends: qemu-system-x86"
  echo "Section: misc"
  echo "Priority: optional"
  echo "Homepage: https://github.com/rust-vmm/vhost-device"
  echo "Description: vhost-user device daemons for QEMU, on a bundled Java runtime"
  echo " Drop-in replacements for the rust-vmm vhost-device daemons (${daemons[*]}),"
  echo " with systemd socket units, QEMU vhost-user descriptors for libvirt, man pages"
  echo " and bash completion."
} > "$stage/DEBIAN/control"
deb="$out/vhost-device-java_${deb_version}_amd64.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "$deb" >/dev/null
step "built $deb"
