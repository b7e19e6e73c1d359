/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the reliability suites: the device, its sysfs
 * attributes and its module, a small seeded PRNG and run-size scaling.
 */
#ifndef SG_STRESS_H
#define SG_STRESS_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/sysgenid.h>

#define SG_DEV		"/dev/sysgenid"
#define SG_SYSFS	"/sys/class/misc/sysgenid/"
#define SG_MODULE	"/lib/sysgenid/sysgenid.ko"

/* Value of a sysfs attribute of the device, or -1 if it cannot be read. */
static inline long sg_sysfs(const char *attr)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SG_SYSFS "%s", attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/*
 * Number of watchers once the files of earlier suites' exiting processes
 * are closed (they may take a moment): waits up to five seconds for 0.
 */
static inline long sg_settled_watchers(void)
{
	long n;
	int i;

	for (i = 0; (n = sg_sysfs("watchers")) > 0 && i < 50; i++)
		usleep(100000);
	return n;
}

/* rmmod and insmod, as system calls so that errno tells what happened. */
static inline int sg_rmmod(void)
{
	return syscall(SYS_delete_module, "sysgenid", O_NONBLOCK);
}

static inline int sg_insmod(void)
{
	int fd = open(SG_MODULE, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

static inline int sg_loaded(void)
{
	return !access("/sys/module/sysgenid", F_OK);
}

/* True if generation @a is @b or came after it (values wrap). */
static inline int sg_gen_after_eq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static inline double sg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: reproducible from the seed the suites print. */
static inline uint64_t sg_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline unsigned int sg_below(uint64_t *state, unsigned int n)
{
	return sg_rand(state) % n;
}

/*
 * @n scaled by the percentage given as sgscale=<percent> on the kernel
 * command line (100 by default; make stress-long passes 1000, make
 * check-debug a smaller one for the much slower debug kernel), at least 1.
 */
static inline unsigned long sg_size(unsigned long n)
{
	unsigned long pct = 100;
	char buf[1024], *p;
	ssize_t len;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[len > 0 ? len : 0] = '\0';
		p = strstr(buf, "sgscale=");
		if (p)
			pct = strtoul(p + strlen("sgscale="), NULL, 10);
	}
	n = n * pct / 100;
	return n ? n : 1;
}

#endif /* SG_STRESS_H */
