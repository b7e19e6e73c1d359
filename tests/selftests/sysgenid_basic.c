// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sysgenid: the two kinds of open file, read(), write() and what fdinfo
 * and sysfs say about them. The generation outlives every test, so tests
 * only compare it with the value read at their start.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"

/* Open files of both kinds that read() must treat alike. */
FIXTURE(file) {
	int fd;		/* the file under test */
	int bumper;	/* another file, to bump the generation through */
	__u32 gen;	/* the generation when the file was opened */
};

FIXTURE_VARIANT(file) {
	int flags;	/* access mode of the file under test */
};

FIXTURE_VARIANT_ADD(file, observer) {
	.flags = O_RDONLY,
};

FIXTURE_VARIANT_ADD(file, watcher) {
	.flags = O_RDWR,
};

FIXTURE_SETUP(file)
{
	long gen;

	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	self->fd = open(SYSGENID_DEV, variant->flags | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->bumper = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->bumper);
	gen = sg_sysfs("generation");
	ASSERT_LE(0, gen);
	self->gen = gen;
}

FIXTURE_TEARDOWN(file)
{
	EXPECT_EQ(0, close(self->bumper));
	EXPECT_EQ(0, close(self->fd));
}

/* What a thread blocked in read() got. */
struct blocked_read {
	int fd;			/* file to read */
	pid_t tid;		/* the reading thread */
	ssize_t ret;		/* read()'s return value */
	int err;		/* and errno */
	__u32 gen;		/* the value read */
	atomic_bool started;	/* tid is valid */
};

static void *blocked_read_thread(void *arg)
{
	struct blocked_read *br = arg;

	br->tid = gettid();
	atomic_store(&br->started, true);
	br->ret = read(br->fd, &br->gen, sizeof(br->gen));
	br->err = errno;
	return NULL;
}

/* Start a reader thread and wait until it sleeps in read(). */
static int start_blocked_read(pthread_t *thread, struct blocked_read *br)
{
	int ret;

	ret = pthread_create(thread, NULL, blocked_read_thread, br);
	if (ret)
		return -ret;
	while (!atomic_load(&br->started))
		sg_sleep_ms(1);
	return sg_wait_sleeping(br->tid);
}

static atomic_int signals_seen;

static void count_signal(int sig)
{
	atomic_fetch_add(&signals_seen, 1);
}

TEST_F(file, read_zero_count_returns_zero)
{
	__u32 gen;

	ASSERT_LE(0, sg_bump(self->bumper));
	EXPECT_EQ(0, read(self->fd, &gen, 0));
	/* The empty read did not consume anything. */
	EXPECT_EQ(sizeof(gen), read(self->fd, &gen, sizeof(gen)));
}

TEST_F(file, read_short_buffer_is_einval)
{
	char buf[4];
	size_t count;

	ASSERT_LE(0, sg_bump(self->bumper));
	for (count = 1; count < sizeof(buf); count++) {
		EXPECT_EQ(-1, read(self->fd, buf, count));
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(file, read_up_to_date_nonblocking_is_eagain)
{
	__u32 gen;

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, &gen, sizeof(gen)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(file, read_large_buffer_returns_four_bytes_of_new_generation)
{
	unsigned char buf[64];
	__u32 gen;
	size_t i;

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	ASSERT_LE(0, sg_bump(self->bumper));
	memset(buf, 0xa5, sizeof(buf));
	EXPECT_EQ(sizeof(gen), read(self->fd, buf, sizeof(buf)));
	memcpy(&gen, buf, sizeof(gen));
	EXPECT_NE(self->gen, gen);
	EXPECT_EQ(sg_sysfs("generation"), gen);
	for (i = sizeof(gen); i < sizeof(buf); i++)
		EXPECT_EQ(0xa5, buf[i]);
}

TEST_F(file, read_blocks_until_bump)
{
	struct blocked_read br = { .fd = self->fd };
	pthread_t thread;
	long gen;

	ASSERT_EQ(0, start_blocked_read(&thread, &br));
	gen = sg_bump(self->bumper);
	ASSERT_LE(0, gen);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(sizeof(br.gen), br.ret);
	EXPECT_EQ(gen, br.gen);
}

TEST_F(file, read_interrupted_by_signal_is_eintr)
{
	struct blocked_read br = { .fd = self->fd };
	pthread_t thread;

	ASSERT_EQ(0, sg_handle_signal(SIGUSR1, count_signal, false));
	ASSERT_EQ(0, start_blocked_read(&thread, &br));
	ASSERT_EQ(0, pthread_kill(thread, SIGUSR1));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(1, atomic_load(&signals_seen));
	EXPECT_EQ(-1, br.ret);
	EXPECT_EQ(EINTR, br.err);
	EXPECT_EQ(self->gen, sg_sysfs("generation"));
}

TEST_F(file, read_restarts_after_signal_with_sa_restart)
{
	struct blocked_read br = { .fd = self->fd };
	pthread_t thread;
	long gen;

	ASSERT_EQ(0, sg_handle_signal(SIGUSR1, count_signal, true));
	ASSERT_EQ(0, start_blocked_read(&thread, &br));
	ASSERT_EQ(0, pthread_kill(thread, SIGUSR1));
	/* The handler ran and the thread went back to sleep in read(). */
	while (!atomic_load(&signals_seen))
		sg_sleep_ms(1);
	ASSERT_EQ(0, sg_wait_sleeping(br.tid));
	gen = sg_bump(self->bumper);
	ASSERT_LE(0, gen);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(sizeof(br.gen), br.ret);
	EXPECT_EQ(gen, br.gen);
}

TEST_F(file, read_bad_pointer_is_efault)
{
	void *bad = sg_bad_pointer();

	ASSERT_NE(NULL, bad);
	ASSERT_LE(0, sg_bump(self->bumper));
	EXPECT_EQ(-1, read(self->fd, bad, sizeof(__u32)));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(file, fdinfo_seen_is_generation_at_open)
{
	unsigned long seen;
	char kind[16];

	ASSERT_EQ(0, sg_fdinfo(self->fd, kind, sizeof(kind), &seen));
	EXPECT_EQ(self->gen, seen);
	ASSERT_LE(0, sg_bump(self->bumper));
	ASSERT_EQ(0, sg_fdinfo(self->fd, kind, sizeof(kind), &seen));
	EXPECT_EQ(self->gen, seen);
}

TEST_F(file, fdinfo_shows_kind)
{
	unsigned long seen;
	char kind[16];

	ASSERT_EQ(0, sg_fdinfo(self->fd, kind, sizeof(kind), &seen));
	EXPECT_STREQ(variant->flags == O_RDONLY ? "observer" : "watcher",
		     kind);
}

/* One observer and one watcher, and the counts before they were opened. */
FIXTURE(kinds) {
	int obs;		/* an O_RDONLY file */
	int wat;		/* an O_RDWR file */
	long watchers;		/* sysfs watchers with both open */
};

FIXTURE_SETUP(kinds)
{
	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	self->obs = open(SYSGENID_DEV, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->obs);
	self->wat = open(SYSGENID_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->wat);
	self->watchers = sg_sysfs("watchers");
	ASSERT_LT(0, self->watchers);
}

FIXTURE_TEARDOWN(kinds)
{
	EXPECT_EQ(0, close(self->wat));
	EXPECT_EQ(0, close(self->obs));
	EXPECT_EQ(self->watchers - 1, sg_sysfs("watchers"));
}

/*
 * Open one more file with @flags: the driver must report it as @kind in
 * fdinfo and count it in sysfs only if it is a watcher.
 */
static void check_open_kind(struct __test_metadata *_metadata, long watchers,
			    int flags, const char *kind)
{
	long counted = strcmp(kind, "watcher") ? 0 : 1;
	unsigned long seen;
	char got[16];
	int fd;

	fd = open(SYSGENID_DEV, flags | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(watchers + counted, sg_sysfs("watchers"));
	EXPECT_EQ(0, sg_fdinfo(fd, got, sizeof(got), &seen));
	EXPECT_STREQ(kind, got);
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(watchers, sg_sysfs("watchers"));
}

TEST_F(kinds, open_rdonly_is_uncounted_observer)
{
	check_open_kind(_metadata, self->watchers, O_RDONLY, "observer");
}

TEST_F(kinds, open_rdwr_is_counted_watcher)
{
	check_open_kind(_metadata, self->watchers, O_RDWR, "watcher");
}

TEST_F(kinds, open_wronly_is_counted_watcher)
{
	check_open_kind(_metadata, self->watchers, O_WRONLY, "watcher");
}

TEST_F(kinds, watcher_read_does_not_acknowledge)
{
	long outdated;
	__u32 gen;

	ASSERT_LE(0, sg_bump(self->obs));
	outdated = sg_sysfs("outdated_watchers");
	ASSERT_LT(0, outdated);
	EXPECT_EQ(sizeof(gen), read(self->wat, &gen, sizeof(gen)));
	EXPECT_EQ(sizeof(gen), read(self->wat, &gen, sizeof(gen)));
	EXPECT_EQ(outdated, sg_sysfs("outdated_watchers"));
}

TEST_F(kinds, observer_read_consumes_change)
{
	__u32 gen;

	ASSERT_LE(0, sg_bump(self->obs));
	EXPECT_EQ(sizeof(gen), read(self->obs, &gen, sizeof(gen)));
	EXPECT_EQ(-1, read(self->obs, &gen, sizeof(gen)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(kinds, observer_read_efault_keeps_change)
{
	void *bad = sg_bad_pointer();
	long bumped;
	__u32 gen;

	ASSERT_NE(NULL, bad);
	bumped = sg_bump(self->obs);
	ASSERT_LE(0, bumped);
	EXPECT_EQ(-1, read(self->obs, bad, sizeof(gen)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(sizeof(gen), read(self->obs, &gen, sizeof(gen)));
	EXPECT_EQ(bumped, gen);
}

TEST_F(kinds, fdinfo_seen_follows_observer_read)
{
	unsigned long seen;
	char kind[16];
	long bumped;
	__u32 gen;

	bumped = sg_bump(self->obs);
	ASSERT_LE(0, bumped);
	ASSERT_EQ(sizeof(gen), read(self->obs, &gen, sizeof(gen)));
	ASSERT_EQ(0, sg_fdinfo(self->obs, kind, sizeof(kind), &seen));
	EXPECT_EQ(bumped, seen);
}

TEST_F(kinds, fdinfo_seen_follows_ack)
{
	unsigned long seen;
	char kind[16];
	__u32 gen;

	gen = sg_bump(self->obs);
	ASSERT_EQ(sizeof(gen), write(self->wat, &gen, sizeof(gen)));
	ASSERT_EQ(0, sg_fdinfo(self->wat, kind, sizeof(kind), &seen));
	EXPECT_EQ(gen, seen);
}

TEST_F(kinds, write_on_observer_is_ebadf)
{
	__u32 gen = sg_sysfs("generation");

	EXPECT_EQ(-1, write(self->obs, &gen, sizeof(gen)));
	EXPECT_EQ(EBADF, errno);
}

TEST_F(kinds, write_count_not_four_is_einval)
{
	static const size_t counts[] = { 0, 3, 5, 8 };
	__u32 buf[2];
	long outdated;
	size_t i;

	buf[0] = sg_bump(self->obs);
	buf[1] = buf[0];
	outdated = sg_sysfs("outdated_watchers");
	ASSERT_LT(0, outdated);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		EXPECT_EQ(-1, write(self->wat, buf, counts[i]));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(outdated, sg_sysfs("outdated_watchers"));
}

TEST_F(kinds, write_wrong_value_is_einval_and_changes_nothing)
{
	unsigned long seen;
	char kind[16];
	long outdated;
	__u32 gen;

	gen = sg_bump(self->obs) + 1;
	outdated = sg_sysfs("outdated_watchers");
	ASSERT_LT(0, outdated);
	EXPECT_EQ(-1, write(self->wat, &gen, sizeof(gen)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(outdated, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(gen - 1, sg_sysfs("generation"));
	ASSERT_EQ(0, sg_fdinfo(self->wat, kind, sizeof(kind), &seen));
	EXPECT_NE(gen - 1, seen);
}

TEST_F(kinds, write_bad_pointer_is_efault)
{
	void *bad = sg_bad_pointer();
	long outdated;

	ASSERT_NE(NULL, bad);
	ASSERT_LE(0, sg_bump(self->obs));
	outdated = sg_sysfs("outdated_watchers");
	EXPECT_EQ(-1, write(self->wat, bad, sizeof(__u32)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(outdated, sg_sysfs("outdated_watchers"));
}

TEST_F(kinds, write_current_value_acknowledges)
{
	long outdated;
	__u32 gen;

	gen = sg_bump(self->obs);
	outdated = sg_sysfs("outdated_watchers");
	ASSERT_LT(0, outdated);
	EXPECT_EQ(sizeof(gen), write(self->wat, &gen, sizeof(gen)));
	EXPECT_EQ(outdated - 1, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(-1, read(self->wat, &gen, sizeof(gen)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(kinds, write_wronly_watcher_acknowledges)
{
	long outdated;
	__u32 gen;
	int fd;

	fd = open(SYSGENID_DEV, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	gen = sg_bump(self->obs);
	outdated = sg_sysfs("outdated_watchers");
	EXPECT_EQ(sizeof(gen), write(fd, &gen, sizeof(gen)));
	EXPECT_EQ(outdated - 1, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(0, close(fd));
}

TEST_F(kinds, write_when_up_to_date_changes_nothing)
{
	long outdated, watchers;
	__u32 gen;
	int other;

	/* Another watcher stays outdated, so the count is not zero. */
	other = open(SYSGENID_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, other);
	gen = sg_bump(self->obs);
	ASSERT_EQ(sizeof(gen), write(self->wat, &gen, sizeof(gen)));
	outdated = sg_sysfs("outdated_watchers");
	watchers = sg_sysfs("watchers");
	ASSERT_LT(0, outdated);
	EXPECT_EQ(sizeof(gen), write(self->wat, &gen, sizeof(gen)));
	EXPECT_EQ(outdated, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(watchers, sg_sysfs("watchers"));
	EXPECT_EQ(gen, sg_sysfs("generation"));
	EXPECT_EQ(0, close(other));
}

TEST_F(kinds, close_outdated_watcher_decrements_outdated)
{
	long outdated;
	int fd;

	fd = open(SYSGENID_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, sg_bump(self->obs));
	outdated = sg_sysfs("outdated_watchers");
	ASSERT_LE(2, outdated);
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(outdated - 1, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(self->watchers, sg_sysfs("watchers"));
}

TEST_F(kinds, sysfs_counts_follow_bump_and_acks)
{
	long gen;

	gen = sg_bump(self->obs);
	ASSERT_LE(0, gen);
	EXPECT_EQ(gen, sg_sysfs("generation"));
	EXPECT_EQ(self->watchers, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(sizeof(__u32), write(self->wat, &gen, sizeof(__u32)));
	EXPECT_EQ(self->watchers - 1, sg_sysfs("outdated_watchers"));
}

TEST_HARNESS_MAIN
