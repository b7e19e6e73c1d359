// SPDX-License-Identifier: GPL-2.0
/*
 * Debug-kernel suite: runs last, after every other suite. It injects slab
 * allocation failures (failslab through /proc/thread-self/fail-nth) into
 * every allocation of open(), mmap() and forced updates, expecting clean
 * ENOMEM failures with the counts unchanged, then asks kmemleak for leaks
 * left by all of that and by the earlier suites, and for leaks from a
 * workload with module reloads. On a kernel without kmemleak or fault
 * injection (Debian's) these tests skip.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "sg_stress.h"

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define PAGE		4096
#define MAX_NTH		1000

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;

	if (fd < 0)
		return -1;
	while (len < (ssize_t)size - 1 &&
	       (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/*
 * Scan for leaks and return how many kmemleak reports, logging them. An
 * object is reported once it is older than five seconds, hence the wait,
 * and once its contents stayed the same over two scans, hence two.
 */
static int kmemleak_report(struct __test_metadata *_metadata)
{
	static char buf[1 << 16];
	const char *p;
	int n = 0;

	sleep(6);
	if (write_file(KMEMLEAK, "scan") || write_file(KMEMLEAK, "scan") ||
	    read_file(KMEMLEAK, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; (p = strstr(p, "unreferenced object")); p++)
		n++;
	if (n)
		TH_LOG("kmemleak reports %d objects or more:\n%s", n, buf);
	return n;
}

FIXTURE(failslab) {
	int nth;		/* /proc/thread-self/fail-nth */
	char gfp_wait[8];	/* settings to restore */
	char verbose[8];
};

FIXTURE_SETUP(failslab)
{
	self->nth = -1;
	if (access(FAILSLAB, F_OK) || access(FAIL_NTH, W_OK))
		SKIP(return, "no failslab or fail-nth (%s)", strerror(errno));
	ASSERT_LE(0, read_file(FAILSLAB "ignore-gfp-wait", self->gfp_wait,
			       sizeof(self->gfp_wait)));
	ASSERT_LE(0, read_file(FAILSLAB "verbose", self->verbose,
			       sizeof(self->verbose)));
	/* Fail sleeping allocations too, and quietly (no stack dumps). */
	ASSERT_EQ(0, write_file(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_file(FAILSLAB "verbose", "0"));
	self->nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth);
}

FIXTURE_TEARDOWN(failslab)
{
	if (self->nth < 0)
		return;
	close(self->nth);
	write_file(FAILSLAB "ignore-gfp-wait", self->gfp_wait);
	write_file(FAILSLAB "verbose", self->verbose);
}

/* Make the @n-th slab allocation of this thread from now on fail. */
static int fail_nth(int fd, int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%d", n);

	return pwrite(fd, s, len, 0) == len ? 0 : -1;
}

/* True if the armed failure happened, and disarms it if it did not. */
static int fail_nth_hit(int fd)
{
	char s[16] = "";

	if (pread(fd, s, sizeof(s) - 1, 0) <= 0)
		return -1;
	if (atoi(s) == 0)
		return 1;
	fail_nth(fd, 0);
	return 0;
}

/*
 * Fail each allocation of open() in turn, for watchers and observers:
 * every injected failure gives ENOMEM or a working file, and leaves the
 * watcher count as it was.
 */
TEST_F(failslab, open_fails_cleanly)
{
	static const int modes[] = { O_RDONLY, O_RDWR };
	long watchers = sg_sysfs("watchers");
	int m, n, fd, hit, enomem = 0;

	if (_metadata->skip)
		return;

	for (m = 0; m < 2; m++) {
		for (n = 1; n < MAX_NTH; n++) {
			ASSERT_EQ(0, fail_nth(self->nth, n));
			fd = open(SG_DEV, modes[m] | O_CLOEXEC);
			hit = fail_nth_hit(self->nth);
			if (fd < 0) {
				EXPECT_EQ(ENOMEM, errno);
				EXPECT_EQ(1, hit);
				enomem++;
			} else {
				close(fd);
			}
			EXPECT_EQ(watchers, sg_sysfs("watchers"));
			if (!hit)
				break;
		}
		EXPECT_GT(MAX_NTH, n);
		TH_LOG("open(%s): %d allocations, each failed once",
		       m ? "O_RDWR" : "O_RDONLY", n - 1);
	}
	/* At least the driver's own allocation fails with ENOMEM. */
	EXPECT_LE(2, enomem);
}

/* A forced update cannot fail for lack of memory; uevents may be lost. */
TEST_F(failslab, force_update_survives)
{
	int fd;
	long gen;
	int n, hit;

	if (_metadata->skip)
		return;
	fd = open(SG_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (n = 1; n < MAX_NTH; n++) {
		gen = sg_sysfs("generation");
		ASSERT_EQ(0, fail_nth(self->nth, n));
		EXPECT_EQ(0, ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0));
		hit = fail_nth_hit(self->nth);
		EXPECT_EQ((uint32_t)(gen + 1), sg_sysfs("generation"));
		if (!hit)
			break;
	}
	EXPECT_GT(MAX_NTH, n);
	TH_LOG("FORCE_GEN_UPDATE: %d allocations, each failed once", n - 1);
	close(fd);
}

TEST_F(failslab, mmap_fails_cleanly)
{
	int fd;
	uint32_t *p;
	int n, hit;

	if (_metadata->skip)
		return;
	fd = open(SG_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (n = 1; n < MAX_NTH; n++) {
		ASSERT_EQ(0, fail_nth(self->nth, n));
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		hit = fail_nth_hit(self->nth);
		if (p == MAP_FAILED) {
			EXPECT_EQ(ENOMEM, errno);
		} else {
			EXPECT_EQ(sg_sysfs("generation"), p[0]);
			munmap(p, PAGE);
		}
		if (!hit)
			break;
	}
	EXPECT_GT(MAX_NTH, n);
	TH_LOG("mmap: %d allocations, each failed once", n - 1);
	close(fd);
}

/* The kmemleak tests run after the failslab ones, and scan after them. */
FIXTURE(kmemleak) {
	int unused;
};

FIXTURE_SETUP(kmemleak)
{
	if (access(KMEMLEAK, R_OK))
		SKIP(return, "no kmemleak (%s)", strerror(errno));
}

FIXTURE_TEARDOWN(kmemleak)
{
}

/* Everything the earlier suites and the failslab tests did. */
TEST_F(kmemleak, clean_after_all_suites)
{
	if (_metadata->skip)
		return;
	EXPECT_EQ(0, kmemleak_report(_metadata));
}

/*
 * With the earlier reports set aside, a workload of opens, reads,
 * acknowledgments, mappings and module reloads leaves nothing behind.
 */
TEST_F(kmemleak, clean_after_workload)
{
	uint32_t v, *p;
	int i, fd, w;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, write_file(KMEMLEAK, "clear"));

	for (i = 0; i < 1000; i++) {
		fd = open(SG_DEV, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		w = open(SG_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_LE(0, w);
		ASSERT_EQ(0, ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0));
		ASSERT_EQ(sizeof(v), read(w, &v, sizeof(v)));
		ASSERT_EQ(sizeof(v), write(w, &v, sizeof(v)));
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		close(fd);
		close(w);
		munmap(p, PAGE);
		if (i % 100 == 0 && sg_loaded() && !access(SG_MODULE, R_OK)) {
			ASSERT_EQ(0, sg_rmmod());
			ASSERT_EQ(0, sg_insmod());
		}
	}
	EXPECT_EQ(0, kmemleak_report(_metadata));
}

TEST_HARNESS_MAIN
