/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * randread DEVICE COUNT: COUNT random 4 KiB O_DIRECT reads from DEVICE, one at a time (queue
 * depth 1), at 4 KiB-aligned offsets from a fixed pseudo-random sequence; prints the IOPS.
 * Built static by measure-scsi.sh for the benchmark guest (busybox has no fio).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: randread DEVICE COUNT\n"); return 2; }
  int fd = open(argv[1], O_RDONLY | O_DIRECT);
  if (fd < 0) { perror(argv[1]); return 1; }
  long count = atol(argv[2]);
  unsigned long long size = 0;
  if (ioctl(fd, BLKGETSIZE64, &size) < 0 || size < 4096) { perror("BLKGETSIZE64"); return 1; }
  unsigned long long blocks = size / 4096;
  void *buf;
  if (posix_memalign(&buf, 4096, 4096) != 0) return 1;
  unsigned long long x = 88172645463325252ULL;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < count; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17; /* xorshift64 */
    off_t off = (off_t)(x % blocks) * 4096;
    if (pread(fd, buf, 4096, off) != 4096) { perror("pread"); return 1; }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%.0f\n", count / s);
  return 0;
}
