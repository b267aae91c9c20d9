# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Functions for tools/guest/extras.d/*.sh (sourced; RD is the initramfs root being built).

# Copies a host program and the shared libraries it links (as ldd lists them) into the guest.
vhd_copy_binary() {
  local bin=$1 lib
  mkdir -p "$RD/$(dirname "$bin")"
  cp -L "$bin" "$RD/$bin"
  for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
    [ -e "$lib" ] || continue
    mkdir -p "$RD/$(dirname "$lib")"
    cp -Ln "$lib" "$RD/$lib" 2>/dev/null || true
  done
}

# Adds an out-of-tree kernel module; /init loads it after the packaged ones.
vhd_add_module() {
  local ko=$1
  cp "$ko" "$RD/lib/modules/$(basename "$ko")"
  echo "$(basename "$ko")" >> "$RD/lib/modules/order"
}
