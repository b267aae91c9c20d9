# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# device-scsi: mke2fs and e2fsck (Debian's e2fsprogs, installed on the host) for the guest's
# format / mount / fsck checks; busybox has neither.
. "$LIB"
for tool in mke2fs e2fsck; do
  bin=$(command -v "$tool" || true)
  [ -n "$bin" ] || { echo "scsi.sh: $tool not found (apt-get install e2fsprogs)" >&2; exit 1; }
  vhd_copy_binary "$(readlink -f "$bin")"
  # Scripts call them by name: make sure /usr/sbin (busybox's PATH has it) holds them.
  if [ "$(readlink -f "$bin")" != "/usr/sbin/$tool" ]; then
    mkdir -p "$RD/usr/sbin"
    ln -sf "$(readlink -f "$bin")" "$RD/usr/sbin/$tool"
  fi
done
