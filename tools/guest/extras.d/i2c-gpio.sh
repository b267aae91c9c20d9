# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# device-i2c / device-gpio: Debian's 6.1 kernel is built without CONFIG_I2C_VIRTIO and
# CONFIG_GPIO_VIRTIO, so build those two drivers out of tree against the guest kernel's own
# headers: linux-source (for the two .c files), linux-headers-$KVER and its -common part, and
# linux-kbuild (fixdep, modpost), all fetched with apt-get download and unpacked with dpkg-deb -x,
# never installed. The kernel does not enforce module signatures, so the unsigned modules load
# (tainting the guest kernel, which is fine for a test guest).
#
# Also builds gpio-edge, a tiny static helper that uses the GPIO chardev v2 uAPI in the guest
# (busybox has no GPIO tools; its source is below so that a change rebuilds the guest).
# Needs on the host: gcc, make, libc6-dev (static libc), linux-libc-dev, xz-utils, binutils.
#
# A failure here must not break the guest of every other device: it is reported, the two
# modules (or the helper) are left out, and the i2c/gpio guest tests skip (or fail under CI=...)
# when they find them missing.
. "$LIB"

build_modules() {
mkdir -p "$WORK/debs" "$WORK/root" "$WORK/mod"
cd "$WORK/debs"
# The headers of exactly the guest kernel; kbuild and the source of the same Debian version.
image_version=$(dpkg-deb -f "$(ls "$KROOT"/../*.deb 2>/dev/null | head -n 1)" Version 2>/dev/null || true)
if [ -z "$image_version" ]; then
  image_version=$(apt-cache policy "linux-image-$KVER" | sed -n 's/^ *Candidate: //p')
fi
series=$(echo "$KVER" | cut -d. -f1,2)
common=$(echo "$KVER" | sed 's/-[a-z0-9]*$//')-common
apt-get download -q "linux-headers-$KVER=$image_version" "linux-headers-$common=$image_version" \
  "linux-kbuild-$series=$image_version" "linux-source-$series=$image_version" >/dev/null 2>&1 ||
  apt-get download -q "linux-headers-$KVER" "linux-headers-$common" "linux-kbuild-$series" \
    "linux-source-$series" >/dev/null
for deb in *.deb; do dpkg-deb -x "$deb" "$WORK/root"; done
headers="$WORK/root/usr/src/linux-headers-$KVER"
# Debian's Makefile includes the -common tree by its absolute /usr/src path: point it here.
echo "include $WORK/root/usr/src/linux-headers-$common/Makefile" > "$headers/Makefile"
tar -xJf "$WORK/root/usr/src/linux-source-$series.tar.xz" -C "$WORK" --strip-components=1 \
  "linux-source-$series/drivers/i2c/busses/i2c-virtio.c" \
  "linux-source-$series/drivers/gpio/gpio-virtio.c"
cp "$WORK/drivers/i2c/busses/i2c-virtio.c" "$WORK/drivers/gpio/gpio-virtio.c" "$WORK/mod/"
echo 'obj-m := i2c-virtio.o gpio-virtio.o' > "$WORK/mod/Kbuild"
make -s -C "$headers" M="$WORK/mod" modules >/dev/null
strip --strip-debug "$WORK/mod/i2c-virtio.ko" "$WORK/mod/gpio-virtio.ko"
vhd_add_module "$WORK/mod/i2c-virtio.ko"
vhd_add_module "$WORK/mod/gpio-virtio.ko"
}

build_helper() {
mkdir -p "$RD/usr/bin"
cat > "$WORK/gpio-edge.c" <<'C'
/*
 * gpio-edge: the guest side of the device-gpio tests, on the GPIO chardev v2 uAPI.
 *   gpio-edge info CHIP               chip name, line count, then "LINE NAME" per line
 *   gpio-edge loop CHIP OUT IN        OUT as output, IN as input with both-edge detection
 *                                     (plain input if the chip has no interrupts); drive OUT
 *                                     1 then 0 and report IN's value and edge events
 * Exit status 0 when every step worked.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what) { printf("gpio-edge: %s: %s\n", what, strerror(errno)); return 1; }

static int request(int chip, unsigned line, unsigned long long flags, int value) {
  struct gpio_v2_line_request req;
  memset(&req, 0, sizeof req);
  req.offsets[0] = line;
  req.num_lines = 1;
  req.config.flags = flags;
  if (flags & GPIO_V2_LINE_FLAG_OUTPUT) {
    req.config.num_attrs = 1;
    req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    req.config.attrs[0].attr.values = value;
    req.config.attrs[0].mask = 1;
  }
  strcpy(req.consumer, "gpio-edge");
  if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req) < 0) return -1;
  return req.fd;
}

static int set(int fd, int value) {
  struct gpio_v2_line_values v = {.bits = value, .mask = 1};
  return ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v);
}

static int get(int fd) {
  struct gpio_v2_line_values v = {.bits = 0, .mask = 1};
  if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) return -1;
  return (int)(v.bits & 1);
}

/* Waits up to 10 s for one edge event; prints it. Returns its id or -1. */
static int edge(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  struct gpio_v2_line_event ev;
  if (poll(&p, 1, 10000) != 1) { printf("edge: none within 10 s\n"); return -1; }
  if (read(fd, &ev, sizeof ev) != sizeof ev) return -1;
  printf("edge: %s line=%u seqno=%u\n",
         ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE ? "rising" : "falling", ev.offset, ev.seqno);
  return (int)ev.id;
}

int main(int argc, char **argv) {
  if (argc < 3) { printf("usage: gpio-edge info|loop CHIP [OUT IN]\n"); return 2; }
  int chip = open(argv[2], O_RDWR);
  if (chip < 0) return fail(argv[2]);
  if (!strcmp(argv[1], "info")) {
    struct gpiochip_info ci;
    if (ioctl(chip, GPIO_GET_CHIPINFO_IOCTL, &ci) < 0) return fail("chipinfo");
    printf("chip: %s label=%s lines=%u\n", ci.name, ci.label, ci.lines);
    for (unsigned i = 0; i < ci.lines; i++) {
      struct gpio_v2_line_info li;
      memset(&li, 0, sizeof li);
      li.offset = i;
      if (ioctl(chip, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0) return fail("lineinfo");
      printf("line %u %s\n", i, li.name);
    }
    return 0;
  }
  if (!strcmp(argv[1], "loop") && argc == 5) {
    unsigned out = atoi(argv[3]), in = atoi(argv[4]);
    int o = request(chip, out, GPIO_V2_LINE_FLAG_OUTPUT, 0);
    if (o < 0) return fail("request output");
    int edges = 1;
    int i = request(chip, in, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING
                                  | GPIO_V2_LINE_FLAG_EDGE_FALLING, 0);
    if (i < 0 && errno == ENXIO) {
      /* The chip has no interrupts: the frontend did not negotiate VIRTIO_GPIO_F_IRQ. */
      printf("edges: unavailable (ENXIO)\n");
      edges = 0;
      i = request(chip, in, GPIO_V2_LINE_FLAG_INPUT, 0);
    }
    if (i < 0) return fail("request input");
    int v0 = get(i);
    printf("in=%d\n", v0);
    if (set(o, 1) < 0) return fail("set 1");
    int e1 = edges ? edge(i) : 0;
    int v1 = get(i);
    printf("in=%d\n", v1);
    if (set(o, 0) < 0) return fail("set 0");
    int e2 = edges ? edge(i) : 0;
    int v2 = get(i);
    printf("in=%d\n", v2);
    if (v0 != 0 || v1 != 1 || v2 != 0) return 1;
    if (!edges) return 0;
    return e1 == GPIO_V2_LINE_EVENT_RISING_EDGE && e2 == GPIO_V2_LINE_EVENT_FALLING_EDGE ? 0 : 1;
  }
  printf("usage: gpio-edge info|loop CHIP [OUT IN]\n");
  return 2;
}
C
gcc -static -O2 -o "$RD/usr/bin/gpio-edge" "$WORK/gpio-edge.c"
}

# Not `( ... ) || warn`: errexit is ignored inside a subshell whose status is tested.
set +e
( set -e; build_modules )
[ $? -eq 0 ] ||
  echo "i2c-gpio.sh: WARNING: could not build i2c-virtio/gpio-virtio; their guest tests skip" >&2
( set -e; build_helper )
[ $? -eq 0 ] ||
  echo "i2c-gpio.sh: WARNING: could not build gpio-edge (gcc -static); the gpio guest test skips" >&2
exit 0
