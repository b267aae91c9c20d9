# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# device-vsock: a small static helper, /usr/bin/vt, for the guest side of VsockGuestIT and
# measure-vsock.sh. It sends and receives a deterministic byte stream (xorshift64*, seeded) and
# prints FNV-1a 64 checksums, so the host can check every byte without storing 64 MiB anywhere.
# Built here with the host's gcc (static glibc: only socket calls, no NSS lookups).
. "$LIB"
command -v gcc >/dev/null || { echo "vsock.sh: gcc not found (apt-get install gcc libc6-dev)" >&2; exit 1; }
mkdir -p "$WORK"
cat > "$WORK/vt.c" <<'C'
#include <errno.h>
#include <linux/vm_sockets.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* The stream: 8 bytes per xorshift64* step, little-endian; the host side computes the same. */
typedef struct { uint64_t x; } gen_t;
static void gen_init(gen_t *g, uint64_t seed) { g->x = seed * 0x9E3779B97F4A7C15ULL + 1; }
static void gen_fill(gen_t *g, unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    g->x ^= g->x >> 12; g->x ^= g->x << 25; g->x ^= g->x >> 27;
    uint64_t v = g->x * 0x2545F4914F6CDD1DULL;
    for (int b = 0; b < 8; b++) p[i + b] = (unsigned char)(v >> (8 * b));
  }
}
static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ULL; }
  return h;
}
#define FNV0 0xcbf29ce484222325ULL
static long long now_ms(void) { struct timeval t; gettimeofday(&t, 0); return t.tv_sec * 1000LL + t.tv_usec / 1000; }
static void die(const char *what) { fprintf(stderr, "vt: %s: %s\n", what, strerror(errno)); exit(1); }

static int vconnect(unsigned cid, unsigned port) {
  int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { int e = errno; close(fd); errno = e; return -1; }
  return fd;
}
static int vlisten(unsigned port) {
  int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port };
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (listen(fd, 64) < 0) die("listen");
  printf("vt: listening on %u\n", port); fflush(stdout);
  return fd;
}
static void writeall(int fd, const unsigned char *p, size_t n) {
  while (n) { ssize_t w = write(fd, p, n); if (w < 0) { if (errno == EINTR) continue; die("write"); } p += w; n -= w; }
}
/* Sends `bytes` of stream `seed` in `chunk`-byte writes; returns the checksum. */
static uint64_t send_stream(int fd, long long bytes, size_t chunk, uint64_t seed) {
  unsigned char *buf = malloc(chunk + 8); gen_t g; gen_init(&g, seed); uint64_t h = FNV0;
  while (bytes > 0) {
    size_t n = bytes < (long long)chunk ? (size_t)bytes : chunk;
    gen_fill(&g, buf, (n + 7) & ~(size_t)7);
    writeall(fd, buf, n); h = fnv(h, buf, n); bytes -= n;
  }
  free(buf); return h;
}
/* Reads to EOF; returns the checksum and stores the count. */
static uint64_t recv_all(int fd, long long *count, int echo) {
  static unsigned char buf[65536]; uint64_t h = FNV0; *count = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) { if (errno == EINTR) continue; die("read"); }
    if (n == 0) return h;
    h = fnv(h, buf, n); *count += n;
    if (echo) writeall(echo, buf, n);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: vt send|recv|echo|multi|dead|setup ...\n"); return 2; }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "send") && argc == 7) {          /* send CID PORT BYTES CHUNK SEED */
    int fd = vconnect(atoi(argv[2]), atoi(argv[3])); if (fd < 0) die("connect");
    long long t0 = now_ms();
    uint64_t h = send_stream(fd, atoll(argv[4]), atoi(argv[5]), strtoull(argv[6], 0, 10));
    shutdown(fd, SHUT_WR);
    char c; while (read(fd, &c, 1) > 0) {}            /* the peer closes when it has it all */
    long long ms = now_ms() - t0;
    printf("vt-send bytes=%s sum=%016llx ms=%lld\n", argv[4], (unsigned long long)h, ms);
    return 0;
  }
  if ((!strcmp(cmd, "recv") || !strcmp(cmd, "echo")) && argc == 3) {   /* recv|echo PORT */
    int l = vlisten(atoi(argv[2]));
    int fd = accept(l, 0, 0); if (fd < 0) die("accept");
    long long t0 = now_ms(), n;
    uint64_t h = recv_all(fd, &n, 0);
    long long ms = now_ms() - t0;
    if (!strcmp(cmd, "echo")) {                        /* half-closed by the host: answer now */
      char line[64]; int k = snprintf(line, sizeof line, "%lld %016llx\n", n, (unsigned long long)h);
      writeall(fd, (unsigned char *)line, k);
    }
    close(fd);
    printf("vt-%s bytes=%lld sum=%016llx ms=%lld\n", cmd, n, (unsigned long long)h, ms);
    return 0;
  }
  if (!strcmp(cmd, "multi") && argc == 6) {         /* multi CID PORT CONNS BYTES: echoed back */
    int conns = atoi(argv[4]); long long bytes = atoll(argv[5]); int bad = 0;
    for (int i = 0; i < conns; i++) {
      if (fork() == 0) {
        int fd = vconnect(atoi(argv[2]), atoi(argv[3])); if (fd < 0) die("connect");
        pid_t w = fork();
        if (w == 0) { send_stream(fd, bytes, 4096, 1000 + i); shutdown(fd, SHUT_WR); _exit(0); }
        long long n; uint64_t back = recv_all(fd, &n, 0);
        int st; waitpid(w, &st, 0);
        unsigned char *tmp = malloc(bytes + 8); gen_t g; gen_init(&g, 1000 + i);
        gen_fill(&g, tmp, (bytes + 7) & ~7LL); uint64_t sent = fnv(FNV0, tmp, bytes);
        int ok = n == bytes && back == sent && WIFEXITED(st) && WEXITSTATUS(st) == 0;
        printf("vt-multi conn=%d seed=%d sent=%016llx echoed=%016llx bytes=%lld %s\n", i, 1000 + i,
               (unsigned long long)sent, (unsigned long long)back, n, ok ? "ok" : "BAD");
        _exit(ok ? 0 : 1);
      }
    }
    for (int i = 0; i < conns; i++) { int st; wait(&st); if (!WIFEXITED(st) || WEXITSTATUS(st)) bad++; }
    printf("vt-multi conns=%d bad=%d\n", conns, bad);
    return bad ? 1 : 0;
  }
  if (!strcmp(cmd, "dead") && argc == 4) {          /* dead CID PORT: how a refused connect ends */
    int fd = socket(AF_VSOCK, SOCK_STREAM, 0); if (fd < 0) die("socket");
    struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = atoi(argv[2]), .svm_port = atoi(argv[3]) };
    long long t0 = now_ms();
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a); int e = errno;
    printf("vt-dead rc=%d errno=%d (%s) ms=%lld\n", rc, rc ? e : 0, rc ? strerror(e) : "connected", now_ms() - t0);
    return rc == 0 ? 1 : 0;
  }
  if (!strcmp(cmd, "setup") && argc == 5) {         /* setup CID PORT N: connect+close N times */
    long long t0 = now_ms(); int n = atoi(argv[4]);
    for (int i = 0; i < n; i++) { int fd = vconnect(atoi(argv[2]), atoi(argv[3])); if (fd < 0) die("connect"); close(fd); }
    printf("vt-setup conns=%d ms=%lld\n", n, now_ms() - t0);
    return 0;
  }
  fprintf(stderr, "vt: bad arguments\n"); return 2;
}
C
gcc -O2 -static -o "$WORK/vt" "$WORK/vt.c"
mkdir -p "$RD/usr/bin"
cp "$WORK/vt" "$RD/usr/bin/vt"
